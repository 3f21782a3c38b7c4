package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/store"
)

// CaptureLimits cap what one capture request may carry.
type CaptureLimits struct {
	// MaxBodyBytes caps the body as it arrives.
	MaxBodyBytes int64
	// MaxDecompressedBytes caps it once inflated.
	MaxDecompressedBytes int64
}

func invalidToken() *apierror.Error {
	return &apierror.Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_api_key",
		Detail: "Project API key invalid. Find the project's token with 'tapedeck project list'."}
}

// unavailable is the 503 for a storage failure; the SDK retries it.
func unavailable() *apierror.Error {
	return &apierror.Error{Status: http.StatusServiceUnavailable, Type: "server_error", Code: "unavailable",
		Detail: "Storage is unavailable; retry later."}
}

// cors lets the browser SDK call capture endpoints from any site: the
// request's Origin is mirrored and credentials are allowed.
func cors(c *call) {
	h := c.w.Header()
	origin := c.r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	} else {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	if req := c.r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	} else {
		h.Set("Access-Control-Allow-Headers", "Content-Type")
	}
	h.Set("Access-Control-Max-Age", "86400")
}

// readCapture reads a capture body up to the limit.
func (s *Server) readCapture(c *call) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, s.captureLimits.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apierror.TooLarge(s.captureLimits.MaxBodyBytes)
	} else if err != nil {
		return nil, apierror.ParseError("The request body could not be read.")
	}
	return body, nil
}

// captureEvents accepts recordings and analytics events from posthog-js.
// It answers 200 only once everything is durable, 204 for beacon requests,
// and 503 when storage fails so that the SDK retries.
func (s *Server) captureEvents(c *call) error {
	body, err := s.readCapture(c)
	if err != nil {
		return err
	}
	lim := capture.Limits{MaxDecompressedBytes: s.captureLimits.MaxDecompressedBytes}
	events, err := capture.Decode(body, c.r.Header.Get("Content-Type"), c.r.URL.Query(), lim)
	if err != nil {
		return err
	}
	recs, others, err := capture.Snapshots(events, lim)
	if err != nil {
		return err
	}

	// Resolve every token before writing anything: one unknown token
	// refuses the whole request.
	type work struct {
		project store.Project
		recs    []capture.Recording
		events  []capture.Event
	}
	byToken := map[string]*work{}
	var order []*work
	lookup := func(token string) (*work, error) {
		if w, ok := byToken[token]; ok {
			return w, nil
		}
		p, err := s.ingest.ProjectByToken(c.r.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalidToken()
		} else if err != nil {
			return nil, unavailable()
		}
		w := &work{project: p}
		byToken[token] = w
		order = append(order, w)
		return w, nil
	}
	for _, r := range recs {
		w, err := lookup(r.Token)
		if err != nil {
			return err
		}
		w.recs = append(w.recs, r)
	}
	for _, e := range others {
		w, err := lookup(e.Token)
		if err != nil {
			return err
		}
		w.events = append(w.events, e)
	}
	for _, w := range order {
		start := time.Now()
		res, err := s.ingest.Ingest(c.r.Context(), w.project, w.recs, w.events)
		if err != nil {
			s.log.Error("ingest failed", "project", w.project.ID, "err", err)
			s.metrics.ingestFailures.Inc()
			return unavailable()
		}
		s.metrics.observeIngest(res, time.Since(start))
	}
	if c.r.URL.Query().Get("beacon") == "1" {
		return c.empty(http.StatusNoContent)
	}
	return c.json(http.StatusOK, map[string]string{"status": "Ok"})
}

// remoteConfig is what the SDK needs to know at start: recording is on,
// sent gzip-compressed to /s/, with console logs.
func remoteConfig(token string) map[string]any {
	return map[string]any{
		"token":                 token,
		"supportedCompression":  []string{"gzip", "gzip-js"},
		"hasFeatureFlags":       false,
		"captureDeadClicks":     false,
		"capturePerformance":    false,
		"autocapture_opt_out":   false,
		"autocaptureExceptions": false,
		"elementsChainAsString": true,
		"heatmaps":              false,
		"surveys":               false,
		"defaultIdentifiedOnly": true,
		"siteApps":              []any{},
		"sessionRecording": map[string]any{
			"endpoint":                    "/s/",
			"consoleLogRecordingEnabled":  true,
			"recorderVersion":             "v2",
			"sampleRate":                  nil,
			"minimumDurationMilliseconds": nil,
			"linkedFlag":                  nil,
			"networkPayloadCapture":       nil,
			"urlTriggers":                 []any{},
			"urlBlocklist":                []any{},
			"eventTriggers":               []any{},
		},
	}
}

// projectForToken returns the project of a capture token.
func (s *Server) projectForToken(c *call, token string) (store.Project, error) {
	if token == "" {
		return store.Project{}, invalidToken()
	}
	p, err := s.ingest.ProjectByToken(c.r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		return p, invalidToken()
	} else if err != nil {
		s.log.Error("look up project token", "err", err)
		return p, unavailable()
	}
	return p, nil
}

// configJSON answers GET /array/{token}/config.
func (s *Server) configJSON(c *call) error {
	token := c.r.PathValue("token")
	if _, err := s.projectForToken(c, token); err != nil {
		return err
	}
	return c.json(http.StatusOK, remoteConfig(token))
}

// configJS answers GET /array/{token}/config.js with a script that hands
// the config to the SDK.
func (s *Server) configJS(c *call) error {
	token := c.r.PathValue("token")
	if _, err := s.projectForToken(c, token); err != nil {
		return err
	}
	cfg, err := json.Marshal(map[string]any{"config": remoteConfig(token), "siteApps": []any{}})
	if err != nil {
		return err
	}
	name, _ := json.Marshal(token)
	c.w.Header().Set("Content-Type", "application/javascript")
	c.status = http.StatusOK
	_, err = fmt.Fprintf(c.w, "(function() {\n  window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {};\n  window._POSTHOG_REMOTE_CONFIG[%s] = %s;\n})();\n", name, cfg)
	return err
}

// flags answers /flags/ and /decide/ for SDKs that ask for their config and
// feature flags there: the config, and no flags.
func (s *Server) flags(c *call) error {
	body, err := s.readCapture(c)
	if err != nil {
		return err
	}
	token := c.r.URL.Query().Get("token")
	if len(strings.TrimSpace(string(body))) > 0 || c.r.URL.Query().Has("data") {
		events, err := capture.Decode(body, c.r.Header.Get("Content-Type"), c.r.URL.Query(),
			capture.Limits{MaxDecompressedBytes: s.captureLimits.MaxDecompressedBytes})
		if err != nil {
			return err
		}
		if len(events) > 0 && events[0].Token != "" {
			token = events[0].Token
		}
	}
	if _, err := s.projectForToken(c, token); err != nil {
		return err
	}
	resp := remoteConfig(token)
	resp["featureFlags"] = map[string]any{}
	resp["featureFlagPayloads"] = map[string]any{}
	resp["flags"] = map[string]any{}
	resp["errorsWhileComputingFlags"] = false
	resp["quotaLimited"] = []string{}
	return c.json(http.StatusOK, resp)
}
