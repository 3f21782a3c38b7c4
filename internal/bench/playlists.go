package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(Scenario{
		Name:    "playlists",
		Summary: "session recording playlists: create, patch and list requests/s; floor: GET /_health on the same server with the same clients",
		Sizes:   "--clients, --duration (split in four: health, create, patch, list)",
		Run:     runPlaylists,
	})
}

const playlistsPath = "/session_recording_playlists/"

func runPlaylists(ctx context.Context, o Options) (*Report, error) {
	clients := max(1, o.Clients)
	phase := max(time.Second/2, o.Duration/4)
	r := &Report{}
	r.Param("clients", clients)
	r.Param("phase", phase.String())
	r.Param("floor", "GET /_health")

	st, srv, stop, err := startFresh(ctx, o)
	if err != nil {
		return nil, err
	}
	defer stop()
	api := apiClient{srv: srv, key: st.APIKey, project: st.ProjectID}

	// The floor: an HTTP request that does nothing.
	health, err := measure(ctx, clients, phase, func(int, int) error {
		resp, err := srv.Client.Get(srv.URL + "/_health")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /_health: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	var mu sync.Mutex
	var shortIDs []string
	create, err := measure(ctx, clients, phase, func(c, i int) error {
		b, err := api.do(ctx, http.MethodPost, playlistsPath, map[string]any{
			"name":        fmt.Sprintf("Checkout issues %d-%d", c, i),
			"description": "Sessions worth a look before the release.",
			"type":        "collection",
		}, http.StatusCreated)
		if err != nil {
			return err
		}
		var p struct {
			ShortID string `json:"short_id"`
		}
		if err := json.Unmarshal(b, &p); err != nil || p.ShortID == "" {
			return fmt.Errorf("POST %s: no short_id in %s", playlistsPath, clipBody(b))
		}
		mu.Lock()
		shortIDs = append(shortIDs, p.ShortID)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(shortIDs) == 0 {
		return nil, fmt.Errorf("no playlist was created")
	}

	var turn atomic.Int64
	patch, err := measure(ctx, clients, phase, func(c, i int) error {
		id := shortIDs[int(turn.Add(1)-1)%len(shortIDs)]
		_, err := api.do(ctx, http.MethodPatch, playlistsPath+id+"/", map[string]any{
			"name":   fmt.Sprintf("Checkout issues, reviewed %d-%d", c, i),
			"pinned": i%2 == 0,
		}, http.StatusOK)
		return err
	})
	if err != nil {
		return nil, err
	}

	list, err := measure(ctx, clients, phase, func(int, int) error {
		_, err := api.do(ctx, http.MethodGet, playlistsPath, nil, http.StatusOK)
		return err
	})
	if err != nil {
		return nil, err
	}

	r.Param("playlists", len(shortIDs))
	for _, m := range []struct {
		name string
		res  measured
	}{{"create (POST)", create}, {"patch (PATCH)", patch}, {"list (GET, 100 per page)", list}} {
		r.AddVsFloor(m.name, m.res.rate, health.rate, "requests/s")
		r.Add(m.name+" p50", Millis(m.res.lat.Percentile(50)), "ms")
		r.Add(m.name+" p99", Millis(m.res.lat.Percentile(99)), "ms")
	}
	r.Add("health p50", Millis(health.lat.Percentile(50)), "ms")
	r.Add("health p99", Millis(health.lat.Percentile(99)), "ms")
	if err := srv.addPeakRSS(r); err != nil {
		return nil, err
	}
	r.Add("errors", 0, "requests")
	return r, nil
}

// measured is a closed-loop phase's rate and latencies.
type measured struct {
	rate float64
	lat  *Latencies
}

// measure runs fn on clients in a closed loop for d (fn gets the client
// and its request number) and returns the rate of requests and their
// latencies; any failure fails the phase.
func measure(ctx context.Context, clients int, d time.Duration, fn func(client, i int) error) (measured, error) {
	lat := &Latencies{}
	var fails failures
	counts := make([]int, clients)
	elapsed := closedLoop(ctx, clients, d, func(c int) bool {
		t := time.Now()
		if err := fn(c, counts[c]); err != nil {
			fails.add(err)
			return false
		}
		lat.Add(time.Since(t))
		counts[c]++
		return true
	})
	if err := fails.err("requests"); err != nil {
		return measured{}, err
	}
	return measured{rate: float64(lat.Len()) / elapsed.Seconds(), lat: lat}, nil
}
