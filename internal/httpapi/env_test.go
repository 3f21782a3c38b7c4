package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The scenarios run on SQLite and a blob directory, or, when
// TAPEDECK_TEST_BACKEND=postgres, on PostgreSQL and an S3 bucket (see
// newEnv).
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// env is a real server on a fresh store, seeded with two organizations:
//
//	org A: projects p1 and p2; users alice and carol; project fx with the
//	       fixtures' token phc_sharedfixture
//	org B: project p3; user bob
//
// and keys named in keys.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *store.Store
	// blobDir is the directory that holds the stored blocks, one file
	// each: the blob directory, or the S3 server's directory of the bucket.
	blobDir  string
	accounts account.Service
	clock    *clock
	users    map[string]store.User
	projects map[string]store.Project
	keys     map[string]string
}

// newEnv starts the server; opts may change its options before it starts.
// Its store is a fresh SQLite file and its blob store a fresh directory; with
// TAPEDECK_TEST_BACKEND=postgres, a fresh PostgreSQL database and a bucket
// on a fresh S3 server (versitygw), as a scaled-out deployment has.
func newEnv(t *testing.T, opts ...func(*httpapi.Options)) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := &env{t: t, store: st, clock: clk, accounts: account.Service{Store: st, Now: clk.Now},
		users: map[string]store.User{}, projects: map[string]store.Project{}, keys: map[string]string{}}

	orgA := e.must(e.accounts.CreateOrganization(ctx, "Org A")).(store.Organization)
	orgB := e.must(e.accounts.CreateOrganization(ctx, "Org B")).(store.Organization)
	e.projects["p1"] = e.must(e.accounts.CreateProject(ctx, "Shop", orgA.ID)).(store.Project)
	e.projects["p2"] = e.must(e.accounts.CreateProject(ctx, "Blog", orgA.ID)).(store.Project)
	e.projects["p3"] = e.must(e.accounts.CreateProject(ctx, "Other", orgB.ID)).(store.Project)
	for name, org := range map[string]string{"alice": orgA.ID, "carol": orgA.ID, "bob": orgB.ID} {
		e.users[name] = e.must(e.accounts.CreateUser(ctx, account.NewUser{
			Email: name + "@example.com", FirstName: strings.ToUpper(name[:1]) + name[1:], OrganizationID: org})).(store.User)
	}
	e.key("alice", "alice", "*", nil)
	e.key("carol", "carol", "*", nil)
	e.key("bob", "bob", "*", nil)
	e.key("alice-read", "alice", "session_recording_playlist:read", nil)
	e.key("alice-write", "alice", "session_recording_playlist:write", nil)
	e.key("alice-recordings", "alice", "session_recording:read,session_recording:write", nil)
	e.key("alice-p2", "alice", "*", []int64{e.projects["p2"].ID})

	// The fixtures' project: posthog-js recorded them with this token.
	fixtures := store.Project{UUID: "01a21600-0000-7000-8000-000000000001", OrganizationID: orgA.ID,
		Name: "Fixtures", APIToken: "phc_sharedfixture", Timezone: "UTC", CreatedAt: clk.Now()}
	if err := st.CreateProject(ctx, &fixtures); err != nil {
		t.Fatal(err)
	}
	e.projects["fx"] = fixtures
	var blobs blob.Backend
	var err error
	if storetest.Backend(t) == "postgres" {
		const bucket = "tapedeck-test"
		s3 := s3test.Start(t)
		blobs, err = blob.Open(ctx, s3.BlobURL(bucket), "", s3.Env(nil))
		e.blobDir = s3.BucketDir(bucket)
	} else {
		e.blobDir = filepath.Join(t.TempDir(), "blobs")
		blobs, err = blob.OpenDir(e.blobDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	o := httpapi.Options{Store: st, Now: clk.Now, MaxBodyBytes: 64 << 10, Blobs: blobs}
	for _, f := range opts {
		f(&o)
	}
	e.srv = httptest.NewServer(httpapi.New(o))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) must(v any, err error) any {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// key makes a personal API key for a user and remembers it by name.
func (e *env) key(name, user, scopes string, projects []int64) {
	e.t.Helper()
	_, key, err := e.accounts.CreateAPIKey(context.Background(), account.NewAPIKey{
		UserEmail: user + "@example.com", Scopes: scopes, Projects: projects, Label: name})
	if err != nil {
		e.t.Fatal(err)
	}
	e.keys[name] = key
}

// response is what do returns.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map (or fails the test).
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// do sends a request. body may be nil, a string (sent as JSON) or
// url.Values (sent form-encoded); keyName names a key of e.keys, or is
// empty for none. Every response is checked against docs/openapi.yaml.
func (e *env) do(method, path, keyName string, body any) response {
	e.t.Helper()
	header := map[string]string{}
	if keyName != "" {
		key, ok := e.keys[keyName]
		if !ok {
			key = keyName // a literal key, for invalid-key cases
		}
		header["Authorization"] = "Bearer " + key
	}
	return e.doWith(method, path, body, header)
}

// doWith sends a request with the given headers (see do).
func (e *env) doWith(method, path string, body any, header map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case rawBody:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	default:
		e.t.Fatalf("unsupported body %T", body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if checkContract != nil {
		checkContract(e.t, req, resp, data)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// rawBody is a request body sent as it is, with its content type.
type rawBody struct {
	ctype string
	data  []byte
}

// checkContract, when set, validates a request and its response against
// the OpenAPI document.
var checkContract func(t *testing.T, req *http.Request, resp *http.Response, body []byte)

// path builds a project path: path("p1", "/session_recording_playlists/").
func (e *env) path(project, rest string) string {
	return "/api/environments/" + idOf(e.projects[project]) + rest
}

func idOf(p store.Project) string { return jsonString(p.ID) }

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// expect compares the fields of want with the same fields of the JSON
// object body; a want value of anyValue only requires presence.
func expect(t *testing.T, body []byte, want map[string]any) {
	t.Helper()
	if len(want) == 0 {
		return
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body is not a JSON object: %s", body)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("field %q missing in %s", k, body)
			continue
		}
		if w == anyValue {
			continue
		}
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(g)
		if !bytes.Equal(wj, gj) {
			t.Errorf("field %q = %s, want %s", k, gj, wj)
		}
	}
}

// anyValue in an expect map means "present, whatever its value".
var anyValue = &struct{ any }{}
