// Package benchdata makes realistic capture request bodies for benchmarks:
// the posthog-js requests recorded in the shared fixtures, replayed as new
// visits. Every visit gets fresh uuids, session, window and distinct ids, so
// that its requests are stored rather than recognised as retries.
package benchdata

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/google/uuid"
)

// Request is one capture request as posthog-js sent it.
type Request struct {
	// Path is the endpoint, /e/ or /s/.
	Path string
	// Body is the gzip-compressed body.
	Body []byte
	// Size is the decompressed body's length.
	Size int
}

// Template is the fixtures' requests, decompressed, ready to be replayed.
type Template struct {
	paths  []string
	bodies [][]byte
	// at holds, per body, where each id starts and which id it is.
	at [][]idAt
	// names are the distinct ids of the fixtures.
	names []string
	// Size is the decompressed size of one visit's bodies.
	Size int
}

// VisitOrder is the fixtures in the order posthog-js sent them: one visit
// of a documentation page (a large full snapshot, then small batches) and
// one of a form page, with their analytics events.
var VisitOrder = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}

// Load reads the fixtures n of dir (NNN.body and NNN.json).
func Load(dir string, ns []int) (*Template, error) {
	t := &Template{}
	for _, n := range ns {
		base := filepath.Join(dir, fmt.Sprintf("%03d", n))
		raw, err := os.ReadFile(base + ".body")
		if err != nil {
			return nil, err
		}
		meta, err := os.ReadFile(base + ".json")
		if err != nil {
			return nil, err
		}
		var m struct{ Path string }
		if err := json.Unmarshal(meta, &m); err != nil {
			return nil, fmt.Errorf("%s.json: %w", base, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s.body: %w", base, err)
		}
		var body bytes.Buffer
		if _, err := body.ReadFrom(zr); err != nil {
			return nil, fmt.Errorf("%s.body: %w", base, err)
		}
		t.paths = append(t.paths, m.Path)
		t.bodies = append(t.bodies, body.Bytes())
		t.Size += body.Len()
	}
	index := map[string]int{}
	for _, b := range t.bodies {
		var list []idAt
		for _, loc := range ids.FindAllIndex(b, -1) {
			id := string(b[loc[0]:loc[1]])
			n, ok := index[id]
			if !ok {
				n = len(t.names)
				index[id] = n
				t.names = append(t.names, id)
			}
			list = append(list, idAt{offset: loc[0], id: n})
		}
		t.at = append(t.at, list)
	}
	return t, nil
}

// idAt is one occurrence of an id in a body.
type idAt struct {
	offset int
	id     int
}

// ids matches the uuids of the fixtures: event uuids, session, window and
// distinct ids.
var ids = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Visit returns the template's requests with every id replaced by a fresh
// one, consistently across the visit's requests, gzip-compressed as the SDK
// sends them. The identified user becomes user-<seed>.
func (t *Template) Visit(seed int) []Request {
	fresh := make([]string, len(t.names))
	for i := range fresh {
		fresh[i] = uuid.Must(uuid.NewV7()).String()
	}
	user := []byte(fmt.Sprintf("user-%d", seed))
	out := make([]Request, len(t.bodies))
	for i, body := range t.bodies {
		b := bytes.Clone(body)
		for _, a := range t.at[i] {
			copy(b[a.offset:], fresh[a.id])
		}
		b = bytes.ReplaceAll(b, []byte("acceptance-user-1"), user)
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		out[i] = Request{Path: t.paths[i], Body: z.Bytes(), Size: len(b)}
	}
	return out
}
