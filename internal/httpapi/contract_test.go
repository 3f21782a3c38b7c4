package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tapedeck/tapedeck/internal/httpapi"
)

// This file holds the server to docs/openapi.yaml: every request the tests
// make through env.do is checked against the document (the response always,
// the request when the server accepted it), and the route table and the
// document must list the same operations.

// openapiPath is the document, relative to this package's directory.
const openapiPath = "../../docs/openapi.yaml"

// notYetServed lists operations that docs/openapi.yaml describes (as
// SPEC.md requires) but the server does not route yet. Each is only logged
// by TestOpenAPICoversEveryRoute; delete a line as soon as its route exists
// (the test fails on a stale line).
var notYetServed = map[string]bool{}

func init() {
	checkContract = func(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
		t.Helper()
		c, err := loadContract()
		if err != nil {
			t.Errorf("openapi: %v", err)
			return
		}
		if err := c.validate(req, resp.StatusCode, resp.Header, body); err != nil {
			t.Errorf("openapi contract: %s %s answered %d: %v\nresponse body: %s",
				req.Method, req.URL.RequestURI(), resp.StatusCode, err, abbreviate(body, 2000))
		}
	}
}

// abbreviate shows at most n bytes of b.
func abbreviate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes)", b[:n], len(b))
}

// contract is the loaded document and its router.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	// errorSchema is components.schemas.Error, for the bodies of requests
	// that are deliberately outside the document.
	errorSchema *openapi3.Schema
}

// loadContract loads and validates the document once.
var loadContract = sync.OnceValues(func() (*contract, error) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromFile(openapiPath)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", openapiPath, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", openapiPath, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", openapiPath, err)
	}
	c := &contract{doc: doc, router: router}
	if ref := doc.Components.Schemas["Error"]; ref != nil {
		c.errorSchema = ref.Value
	}
	if c.errorSchema == nil {
		return nil, fmt.Errorf("%s: components.schemas.Error is missing", openapiPath)
	}
	return c, nil
})

// mustContract returns the loaded document or fails the test.
func mustContract(t *testing.T) *contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// formatValidators check the formats the document uses beyond the ones
// kin-openapi always checks (date, date-time, byte).
var formatValidators = map[string]openapi3.StringFormatValidator{
	// google/uuid makes v7 ids (and v5 for missing persons): RFC 9562.
	"uuid": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
	// Pagination links are absolute URLs.
	"uri": openapi3.NewCallbackValidator(func(s string) error {
		u, err := url.Parse(s)
		if err != nil {
			return err
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("not an absolute http(s) URL")
		}
		return nil
	}),
}

// validationOptions: every status must be documented;
// security is not checked here (access_test.go covers it).
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidators(formatValidators),
			// The failing field and reason are enough; the body is shown instead.
			openapi3.DisableSchemaErrorDetails(),
		},
	}
}

// validate checks one exchange against the document: the response always,
// the request too when the server accepted it (2xx), so that requests the
// server rightly refuses are not reported. An operation missing from the
// document is an error unless the server answered 404 or 405 (a path or
// method that is deliberately unknown), whose body must then be an Error.
func (c *contract) validate(req *http.Request, status int, header http.Header, body []byte) error {
	ctx := context.Background()
	lookup, err := lookupRequest(req)
	if err != nil {
		return err
	}
	route, params, err := c.findRoute(lookup)
	if err != nil {
		if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			return fmt.Errorf("route lookup: %w", err)
		}
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("the operation is not in %s (%v), yet the server answered %d", openapiPath, err, status)
		}
		return c.validateErrorBody(header, body)
	}

	opts := validationOptions()
	in := &openapi3filter.RequestValidationInput{Request: lookup, PathParams: params, Route: route, Options: opts}
	var errs []error
	if status >= 200 && status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("request does not match %s %s: %w", route.Method, route.Path, err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		errs = append(errs, fmt.Errorf("response does not match %s %s: %w", route.Method, route.Path, err))
	}
	return errors.Join(errs...)
}

// validateErrorBody checks the body of a 404 or 405 for a request outside
// the document: PostHog's error object, as JSON.
func (c *contract) validateErrorBody(header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("error response content type %q, want application/json", ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error body is not JSON: %v: %q", err, body)
	}
	if err := c.errorSchema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("error body does not match the Error schema: %w", err)
	}
	return nil
}

// lookupRequest copies req for route lookup and validation: only its path
// and query (the document has no servers entry, so no host), its headers
// and a fresh copy of its body.
func lookupRequest(req *http.Request) (*http.Request, error) {
	u := &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	var body io.Reader
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("copy request body: %w", err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("copy request body: %w", err)
		}
		body = bytes.NewReader(data)
	}
	r, err := http.NewRequestWithContext(context.Background(), req.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	r.Header = req.Header.Clone()
	return r, nil
}

// findRoute finds the operation of r. The document lists paths ending in
// "/" (but /_health) and the server takes one trailing slash as optional,
// so the path is looked up with the slash, then without.
func (c *contract) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	canonical := strings.TrimSuffix(r.URL.Path, "/")
	rawCanonical := strings.TrimSuffix(r.URL.RawPath, "/")
	var firstErr error
	for _, suffix := range []string{"/", ""} {
		if canonical+suffix == "" {
			continue
		}
		probe := *r
		u := *r.URL
		u.Path = canonical + suffix
		if rawCanonical != "" {
			u.RawPath = rawCanonical + suffix
		}
		probe.URL = &u
		route, params, err := c.router.FindRoute(&probe)
		if err == nil {
			r.URL = &u
			return route, params, nil
		}
		if firstErr == nil || errors.Is(err, routers.ErrMethodNotAllowed) {
			firstErr = err
		}
	}
	return nil, nil, firstErr
}

// operationKey is "METHOD /path" with the trailing slash trimmed.
func operationKey(method, path string) string {
	if p := strings.TrimRight(path, "/"); p != "" {
		path = p
	}
	return method + " " + path
}

// TestOpenAPICoversEveryRoute checks that the route table and the document
// list the same operations, with the same path parameter names.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	c := mustContract(t)
	e := newEnv(t)
	srv := httpapi.New(httpapi.Options{Store: e.store})

	served := map[string]bool{}
	for _, p := range srv.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Fatalf("pattern %q is not METHOD /path", p)
		}
		served[operationKey(method, path)] = true
	}
	if len(served) == 0 {
		t.Fatal("the server lists no routes")
	}
	documented := map[string]bool{}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			documented[operationKey(method, path)] = true
		}
	}

	for _, k := range slices.Sorted(maps.Keys(served)) {
		if !documented[k] {
			t.Errorf("route %s is served but not described in %s", k, openapiPath)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(documented)) {
		switch {
		case served[k]:
		case notYetServed[k]:
			t.Logf("documented but not served yet (listed in notYetServed): %s", k)
		default:
			t.Errorf("%s describes %s, which the server does not route", openapiPath, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(notYetServed)) {
		if served[k] {
			t.Errorf("%s is served now: delete it from notYetServed in contract_test.go", k)
		}
		if !documented[k] {
			t.Errorf("%s is not in %s: delete it from notYetServed in contract_test.go", k, openapiPath)
		}
	}
}

// TestContractCatchesDrift checks that the validation really fails on
// responses and accepted requests that differ from the document.
func TestContractCatchesDrift(t *testing.T) {
	c := mustContract(t)
	const (
		projectUUID = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
		orgUUID     = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
	)
	project := `{"id": 1, "uuid": "` + projectUUID + `", "name": "Shop", "organization": "` + orgUUID + `",
		"api_token": "phc_abc", "timezone": "UTC", "created_at": "2026-03-01T12:00:00Z"}`
	errBody := `{"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": null}`
	user := `{"id": 1, "uuid": "` + projectUUID + `", "distinct_id": "d", "first_name": "Alice", "last_name": "",
		"email": "alice@example.com", "is_email_verified": false, "hedgehog_config": null, "role_at_organization": null}`
	playlist := `{"id": 1, "short_id": "abcdEFGH", "name": "x", "derived_name": null, "description": "",
		"pinned": false, "created_at": "2026-03-01T12:00:00Z", "created_by": ` + user + `, "deleted": false,
		"filters": {}, "last_modified_at": "2026-03-01T12:00:00Z", "last_modified_by": ` + user + `,
		"recordings_counts": {"collection": {"count": null, "watched_count": null},
			"saved_filters": {"count": null, "has_more": null, "watched_count": null, "increased": null, "last_refreshed_at": null}},
		"type": "collection"}`
	page := func(next string) string {
		return `{"count": 2, "next": ` + next + `, "previous": null, "results": [` + project + `]}`
	}
	list := "/api/environments/1/session_recording_playlists/"
	jsonCT := "application/json"
	form := "application/x-www-form-urlencoded"

	cases := []struct {
		name             string
		method, path     string
		reqCT, reqBody   string
		status           int
		respCT, respBody string
		wantErr          bool
	}{
		{"a valid project", "GET", "/api/projects/1/", "", "", 200, jsonCT, project, false},
		{"a valid project without the slash", "GET", "/api/projects/@current", "", "", 200, jsonCT, project, false},
		{"a project missing required fields", "GET", "/api/projects/1/", "", "", 200, jsonCT, `{"id": 1, "name": "Shop"}`, true},
		{"the project through environments", "GET", "/api/environments/1/", "", "", 200, jsonCT, project, false},
		{"a project with a field of the wrong type", "GET", "/api/projects/1/", "", "", 200, jsonCT,
			strings.Replace(project, `"id": 1`, `"id": "1"`, 1), true},
		{"a project whose uuid is not a uuid", "GET", "/api/projects/1/", "", "", 200, jsonCT,
			strings.Replace(project, projectUUID, "not-a-uuid", 1), true},
		{"a project whose created_at is not a date-time", "GET", "/api/projects/1/", "", "", 200, jsonCT,
			strings.Replace(project, "2026-03-01T12:00:00Z", "yesterday", 1), true},
		{"an undocumented status", "GET", "/api/projects/1/", "", "", http.StatusTeapot, jsonCT, errBody, true},
		{"a documented error status", "GET", "/api/projects/1/", "", "", 404, jsonCT, errBody, false},
		{"an error body that is not an Error", "GET", "/api/projects/1/", "", "", 404, jsonCT, `{"error": "nope"}`, true},
		{"an undocumented content type", "GET", "/api/projects/1/", "", "", 200, "text/plain", project, true},
		{"a valid page", "GET", "/api/projects/?limit=1", "", "", 200, jsonCT, page(`"http://h/api/projects?limit=1&offset=1"`), false},
		{"a relative next link", "GET", "/api/projects/?limit=1", "", "", 200, jsonCT, page(`"/api/projects?limit=1&offset=1"`), true},
		{"an accepted request outside the document", "GET", "/api/projects/?limit=0", "", "", 200, jsonCT, page("null"), true},
		{"empty query values are allowed", "GET", list + "?order=&limit=&search=", "", "", 200, jsonCT,
			`{"count": 1, "next": null, "previous": null, "results": [` + playlist + `]}`, false},
		{"an unknown order", "GET", list + "?order=size", "", "", 200, jsonCT,
			`{"count": 0, "next": null, "previous": null, "results": []}`, true},
		{"a refused request outside the document", "GET", "/api/projects/?limit=0", "", "", 400, jsonCT, errBody, false},
		{"health", "GET", "/_health", "", "", 200, jsonCT, `{"status": "ok"}`, false},
		{"health with a slash", "GET", "/_health/", "", "", 200, jsonCT, `{"status": "ok"}`, false},
		{"health with another body", "GET", "/_health", "", "", 200, jsonCT, `{"status": "up"}`, true},
		{"a created playlist", "POST", list, jsonCT, `{"name": "x"}`, 201, jsonCT, playlist, false},
		{"a created playlist from a form", "POST", list, form, "name=x&pinned=true&personal_api_key=phx_x", 201, jsonCT, playlist, false},
		{"a number is taken as a name", "POST", list, jsonCT, `{"name": 42, "description": 1.5}`, 201, jsonCT, playlist, false},
		{"a null name", "POST", list, jsonCT, `{"name": null}`, 201, jsonCT, playlist, false},
		{"an accepted boolean name", "POST", list, jsonCT, `{"name": true}`, 201, jsonCT, playlist, true},
		{"an accepted null description", "POST", list, jsonCT, `{"description": null}`, 201, jsonCT, playlist, true},
		{"an accepted JSON body of the wrong type", "POST", list, jsonCT, `{"pinned": "yes"}`, 201, jsonCT, playlist, true},
		{"an accepted form body of the wrong type", "POST", list, form, "pinned=maybe", 201, jsonCT, playlist, true},
		{"a refused body of the wrong type", "POST", list, jsonCT, `{"pinned": "yes"}`, 400, jsonCT, errBody, false},
		{"a playlist of an unknown type", "POST", list, jsonCT, `{}`, 201, jsonCT,
			strings.Replace(playlist, `"type": "collection"`, `"type": "folder"`, 1), true},
		{"delete is 405 with an empty body", "DELETE", list + "abcdEFGH/", "", "", 405, "", "", false},
		{"delete must not succeed", "DELETE", list + "abcdEFGH/", "", "", 204, "", "", true},
		{"an unknown path is 404", "GET", "/api/nothing-here/", "", "", 404, jsonCT, errBody, false},
		{"an unknown path answered 200", "GET", "/api/nothing-here/", "", "", 200, jsonCT, `{}`, true},
		{"an unknown path answered 404 without an Error", "GET", "/api/nothing-here/", "", "", 404, "text/plain", "404 page not found", true},
		{"an undocumented method is 405", "POST", "/api/projects/", jsonCT, `{}`, 405, jsonCT, errBody, false},
		{"an undocumented method answered 200", "POST", "/api/projects/", jsonCT, `{}`, 200, jsonCT, page("null"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.reqBody != "" {
				body = strings.NewReader(tc.reqBody)
			}
			req, err := http.NewRequest(tc.method, "http://tapedeck.test"+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reqCT != "" {
				req.Header.Set("Content-Type", tc.reqCT)
			}
			header := http.Header{}
			if tc.respCT != "" {
				header.Set("Content-Type", tc.respCT)
			}
			err = c.validate(req, tc.status, header, []byte(tc.respBody))
			switch {
			case tc.wantErr && err == nil:
				t.Errorf("%s %s → %d: no error, want one", tc.method, tc.path, tc.status)
			case !tc.wantErr && err != nil:
				t.Errorf("%s %s → %d: %v", tc.method, tc.path, tc.status, err)
			case err != nil:
				t.Logf("caught: %v", err)
			}
		})
	}
}
