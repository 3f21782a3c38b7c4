package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/httpapi"
)

// Passwords of the env's users once withPasswords ran; carol has none.
const (
	alicePassword = "alice's long password"
	bobPassword   = "bob's long password"
)

// withPasswords gives alice and bob passwords.
func withPasswords(e *env) *env {
	e.t.Helper()
	for email, pw := range map[string]string{"alice@example.com": alicePassword, "bob@example.com": bobPassword} {
		if _, _, err := e.accounts.SetPassword(context.Background(), email, pw); err != nil {
			e.t.Fatal(err)
		}
	}
	return e
}

// credentials is a sign-in body.
func credentials(email, password string) string {
	return fmt.Sprintf(`{"email": %q, "password": %q}`, email, password)
}

// sessionCookie returns the tapedeck_session cookie a response set, or nil.
func sessionCookie(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == auth.SessionCookie {
			return c
		}
	}
	return nil
}

// login signs in and returns the session token.
func (e *env) login(email, password string) string {
	e.t.Helper()
	r := e.doWith("POST", "/api/login/", credentials(email, password), nil)
	ck := sessionCookie(r)
	if r.status != 200 || ck == nil || ck.Value == "" {
		e.t.Fatalf("login %s: %d %s (cookie %v)", email, r.status, r.body, ck)
	}
	return ck.Value
}

// headers builds request headers: a session cookie when token is not
// empty, then name/value pairs.
func headers(token string, pairs ...string) map[string]string {
	h := map[string]string{}
	if token != "" {
		h["Cookie"] = auth.SessionCookie + "=" + token
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = pairs[i+1]
	}
	return h
}

// browserScenario is one request with its headers and what must come back.
type browserScenario struct {
	name   string
	method string
	path   string
	header map[string]string
	body   any
	status int
	want   map[string]any
}

func runBrowser(t *testing.T, e *env, scenarios []browserScenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := e.doWith(sc.method, sc.path, sc.body, sc.header)
			if r.status != sc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", sc.method, sc.path, r.status, sc.status, r.body)
			}
			expect(t, r.body, sc.want)
		})
	}
}

var (
	invalidCredentials = errorBody("authentication_error", "invalid_credentials", "Invalid email or password.", nil)
	notAuthenticated   = errorBody("authentication_error", "not_authenticated", "Authentication credentials were not provided.", nil)
	crossSiteRefused   = errorBody("authentication_error", "permission_denied", "Cross-site request refused.", nil)
)

func TestLogin(t *testing.T) {
	e := withPasswords(newEnv(t))
	alice := e.users["alice"]
	fromAddress := func(i int) map[string]string {
		// Each scenario from its own address, so the failures of one do not
		// throttle another.
		return headers("", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
	}
	runBrowser(t, e, []browserScenario{
		{"JSON body", "POST", "/api/login/", nil, credentials("alice@example.com", alicePassword), 200,
			map[string]any{"id": alice.ID, "uuid": alice.UUID, "distinct_id": alice.DistinctID, "first_name": "Alice",
				"last_name": "", "email": "alice@example.com", "is_email_verified": false, "hedgehog_config": nil,
				"role_at_organization": nil}},
		{"form body", "POST", "/api/login", nil, url.Values{"email": {"bob@example.com"}, "password": {bobPassword}}, 200,
			map[string]any{"email": "bob@example.com"}},
		{"email in another case, with spaces", "POST", "/api/login/", nil, credentials(" Alice@Example.COM ", alicePassword), 200,
			map[string]any{"id": alice.ID}},
		{"from the same origin", "POST", "/api/login/", headers("", "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL),
			credentials("alice@example.com", alicePassword), 200, nil},
		{"wrong password", "POST", "/api/login/", fromAddress(1), credentials("alice@example.com", alicePassword+"x"), 401,
			invalidCredentials},
		{"unknown email", "POST", "/api/login/", fromAddress(2), credentials("nobody@example.com", alicePassword), 401,
			invalidCredentials},
		{"a user without a password", "POST", "/api/login/", fromAddress(3), credentials("carol@example.com", alicePassword), 401,
			invalidCredentials},
		{"missing email", "POST", "/api/login/", nil, `{"password": "whatever123"}`, 400,
			errorBody("validation_error", "required", "This field is required.", "email")},
		{"missing password", "POST", "/api/login/", nil, `{"email": "alice@example.com"}`, 400,
			errorBody("validation_error", "required", "This field is required.", "password")},
		{"blank email", "POST", "/api/login/", nil, `{"email": "", "password": "whatever123"}`, 400,
			errorBody("validation_error", "blank", "This field may not be blank.", "email")},
		{"null password", "POST", "/api/login/", nil, `{"email": "alice@example.com", "password": null}`, 400,
			map[string]any{"attr": "password"}},
		{"no body", "POST", "/api/login/", nil, nil, 400, map[string]any{"attr": "email"}},
		{"malformed JSON", "POST", "/api/login/", nil, `{"email": `, 400, map[string]any{"code": "parse_error"}},
		{"cross-site", "POST", "/api/login/", headers("", "Sec-Fetch-Site", "cross-site"),
			credentials("alice@example.com", alicePassword), 403, crossSiteRefused},
		{"from a foreign origin", "POST", "/api/login/", headers("", "Origin", "https://evil.example"),
			credentials("alice@example.com", alicePassword), 403, crossSiteRefused},
		{"GET is not allowed", "GET", "/api/login/", nil, nil, 405, nil},
	})
}

func TestLoginCookie(t *testing.T) {
	e := withPasswords(newEnv(t))
	r := e.doWith("POST", "/api/login/", credentials("alice@example.com", alicePassword), nil)
	raw := r.header.Get("Set-Cookie")
	ck := sessionCookie(r)
	if ck == nil {
		t.Fatalf("no session cookie: %v", r.header)
	}
	if len(ck.Value) < 40 || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Errorf("cookie %q", raw)
	}
	if ck.MaxAge != 14*24*3600 {
		t.Errorf("Max-Age %d, want 14 days", ck.MaxAge)
	}
	for _, part := range []string{"Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(raw, part) {
			t.Errorf("Set-Cookie %q lacks %s", raw, part)
		}
	}
	if strings.Contains(raw, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP", raw)
	}
	// The store keeps a hash of the token, never the token.
	us, u, err := e.store.UserSessionByTokenHash(context.Background(), auth.HashSessionToken(ck.Value))
	if err != nil || u.ID != e.users["alice"].ID || !us.ExpiresAt.Equal(e.clock.Now().Add(14*24*time.Hour)) {
		t.Errorf("stored session %+v of user %d: %v", us, u.ID, err)
	}
	if _, _, err := e.store.UserSessionByTokenHash(context.Background(), ck.Value); err == nil {
		t.Error("the token itself is stored")
	}

	for _, proto := range []string{"https", "HTTPS", "https, http"} {
		r := e.doWith("POST", "/api/login/", credentials("alice@example.com", alicePassword), headers("", "X-Forwarded-Proto", proto))
		if ck := sessionCookie(r); ck == nil || !ck.Secure {
			t.Errorf("X-Forwarded-Proto %q: cookie %q is not Secure", proto, r.header.Get("Set-Cookie"))
		}
	}
	if r := e.doWith("POST", "/api/login/", credentials("alice@example.com", "wrong password"), nil); sessionCookie(r) != nil {
		t.Errorf("a refused sign-in set a cookie: %q", r.header.Get("Set-Cookie"))
	}
}

func TestLoginTakesAsLongForUnknownEmails(t *testing.T) {
	e := withPasswords(newEnv(t))
	median := func(email string) time.Duration {
		var ds []time.Duration
		for i := range 7 {
			start := time.Now()
			r := e.doWith("POST", "/api/login/", credentials(email, "wrong password"),
				headers("", "X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i)))
			ds = append(ds, time.Since(start))
			if r.status != 401 {
				t.Fatalf("%s: %d %s", email, r.status, r.body)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	known, unknown, noPassword := median("alice@example.com"), median("nobody@example.com"), median("carol@example.com")
	// A password hash takes tens of milliseconds, a lookup well under one:
	// an answer without a hash would be tens of times faster. The margin
	// leaves room for a busy machine.
	if unknown < known/5 || noPassword < known/5 {
		t.Errorf("wrong password %v, unknown email %v, user without password %v: the refusals differ in time",
			known, unknown, noPassword)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := withPasswords(newEnv(t))
	login := func(email, password, addr string) response {
		return e.doWith("POST", "/api/login/", credentials(email, password), headers("", "X-Forwarded-For", addr))
	}
	const addr = "203.0.113.1"
	for i := range 10 {
		if r := login("alice@example.com", "wrong password", addr); r.status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := login("alice@example.com", alicePassword, addr)
	if r.status != 429 {
		t.Fatalf("after 10 failures: %d %s, want 429", r.status, r.body)
	}
	expect(t, r.body, map[string]any{"type": "throttled_error", "code": "throttled", "attr": nil})
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 890 || ra > 900 {
		t.Errorf("Retry-After %q, want about 15 minutes", r.header.Get("Retry-After"))
	}
	if r := login("ALICE@example.com", alicePassword, "203.0.113.2"); r.status != 429 {
		t.Errorf("the same email in another case from another address: %d, want 429", r.status)
	}
	if r := login("bob@example.com", bobPassword, addr); r.status != 200 {
		t.Errorf("another email from the same address: %d %s", r.status, r.body)
	}
	e.clock.Advance(15 * time.Minute)
	if r := login("alice@example.com", alicePassword, addr); r.status != 200 {
		t.Errorf("after 15 minutes: %d %s", r.status, r.body)
	}

	// A sign-in forgives the email's failures.
	for range 9 {
		login("bob@example.com", "wrong password", "203.0.113.3")
	}
	login("bob@example.com", bobPassword, "203.0.113.3")
	for range 9 {
		login("bob@example.com", "wrong password", "203.0.113.4")
	}
	if r := login("bob@example.com", bobPassword, "203.0.113.4"); r.status != 200 {
		t.Errorf("9 failures after a sign-in: %d, want 200", r.status)
	}

	// One address guessing at many emails is stopped too.
	const guesser = "203.0.113.66"
	for i := range 30 {
		if r := login(fmt.Sprintf("guess%d@example.com", i), "wrong password", guesser); r.status != 401 {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	if r := login("alice@example.com", alicePassword, guesser); r.status != 429 {
		t.Errorf("after 30 failures from one address: %d, want 429", r.status)
	}
	if r := login("alice@example.com", alicePassword, "203.0.113.67"); r.status != 200 {
		t.Errorf("from another address: %d %s", r.status, r.body)
	}
}

func TestSessionCookieAuthenticates(t *testing.T) {
	e := withPasswords(newEnv(t))
	token := e.login("alice@example.com", alicePassword)
	list := e.path("p1", "/session_recording_playlists/")
	sameOrigin := headers(token, "Origin", e.srv.URL)
	crossSite := headers(token, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	runBrowser(t, e, []browserScenario{
		{"list playlists", "GET", list, headers(token), nil, 200, map[string]any{"count": 0}},
		{"list recordings", "GET", e.path("p1", "/session_recordings/"), headers(token), nil, 200, nil},
		{"list projects", "GET", "/api/projects/", headers(token), nil, 200, map[string]any{"count": 3}},
		{"current project", "GET", "/api/projects/@current/", headers(token), nil, 200,
			map[string]any{"id": e.projects["p1"].ID}},
		{"a cross-site GET is allowed", "GET", list, crossSite, nil, 200, nil},
		{"create from the same origin", "POST", list, sameOrigin, `{"name": "same origin"}`, 201,
			map[string]any{"name": "same origin", "created_by": anyValue}},
		{"create with Sec-Fetch-Site same-origin", "POST", list, headers(token, "Sec-Fetch-Site", "same-origin"),
			`{"name": "fetch metadata"}`, 201, nil},
		{"create without browser headers", "POST", list, headers(token), `{"name": "no browser"}`, 201, nil},
		{"create cross-site", "POST", list, headers(token, "Sec-Fetch-Site", "cross-site"), `{"name": "evil"}`, 403,
			crossSiteRefused},
		{"create same-site", "POST", list, headers(token, "Sec-Fetch-Site", "same-site"), `{"name": "evil"}`, 403,
			crossSiteRefused},
		{"create from a foreign origin", "POST", list, headers(token, "Origin", "https://evil.example"), `{"name": "evil"}`, 403,
			crossSiteRefused},
		{"create as a form from a foreign origin", "POST", list, headers(token, "Origin", "https://evil.example"),
			url.Values{"name": {"evil"}}, 403, crossSiteRefused},
		{"update cross-site", "PATCH", list + "abcdEFGH/", crossSite, `{"name": "evil"}`, 403, crossSiteRefused},
		{"delete a recording cross-site", "DELETE", e.path("p1", "/session_recordings/s1/"), crossSite, nil, 403,
			crossSiteRefused},
		{"another organization's project", "GET", e.path("p3", "/session_recording_playlists/"), headers(token), nil, 403,
			errorBody("authentication_error", "permission_denied", "You don't have access to the project.", nil)},
		{"an unknown token", "GET", list, headers("not-a-session"), nil, 401, notAuthenticated},
		{"an empty cookie", "GET", list, headers("", "Cookie", auth.SessionCookie+"="), nil, 401, notAuthenticated},
		{"an unknown token with a valid key", "GET", list,
			headers("not-a-session", "Authorization", "Bearer "+e.keys["alice"]), nil, 200, nil},
		{"a personal API key is not checked for origin", "POST", list,
			headers("", "Authorization", "Bearer "+e.keys["alice"], "Sec-Fetch-Site", "cross-site"), `{"name": "script"}`, 201, nil},
		{"a key takes precedence over the cookie", "POST", list,
			headers(token, "Authorization", "Bearer "+e.keys["alice-read"], "Origin", e.srv.URL), `{"name": "x"}`, 403,
			map[string]any{"detail": "API key missing required scope 'session_recording_playlist:write'"}},
	})
	r := e.doWith("GET", list, nil, headers(token))
	names := []string{}
	for _, p := range r.json(t)["results"].([]any) {
		pl := p.(map[string]any)
		names = append(names, pl["name"].(string))
		if by := pl["created_by"].(map[string]any); by["email"] != "alice@example.com" {
			t.Errorf("playlist %v created by %v", pl["name"], by["email"])
		}
	}
	slices.Sort(names)
	if want := []string{"fetch metadata", "no browser", "same origin", "script"}; !slices.Equal(names, want) {
		t.Errorf("playlists %v, want %v: a refused request wrote something", names, want)
	}
}

func TestLogout(t *testing.T) {
	e := withPasswords(newEnv(t))
	list := e.path("p1", "/session_recording_playlists/")
	token := e.login("alice@example.com", alicePassword)

	if r := e.doWith("POST", "/api/logout/", nil, headers(token, "Sec-Fetch-Site", "cross-site")); r.status != 403 {
		t.Errorf("cross-site logout: %d, want 403", r.status)
	}
	if r := e.doWith("GET", list, nil, headers(token)); r.status != 200 {
		t.Fatalf("the session after a refused logout: %d", r.status)
	}
	r := e.doWith("POST", "/api/logout/", nil, headers(token, "Origin", e.srv.URL))
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("logout: %d %q", r.status, r.body)
	}
	ck := sessionCookie(r)
	if ck == nil || ck.Value != "" || ck.MaxAge >= 0 || ck.Path != "/" || !ck.HttpOnly {
		t.Errorf("logout's Set-Cookie %q does not clear the cookie", r.header.Get("Set-Cookie"))
	}
	if r := e.doWith("GET", list, nil, headers(token)); r.status != 401 {
		t.Errorf("the cookie after logout: %d, want 401", r.status)
	}
	if r := e.doWith("POST", "/api/logout/", nil, nil); r.status != 204 {
		t.Errorf("logout without a session: %d, want 204", r.status)
	}

	// Signing in again from a browser with a session ends that session.
	first := e.login("alice@example.com", alicePassword)
	r = e.doWith("POST", "/api/login/", credentials("alice@example.com", alicePassword), headers(first))
	second := sessionCookie(r)
	if r.status != 200 || second == nil || second.Value == first {
		t.Fatalf("second sign-in: %d %v", r.status, second)
	}
	if r := e.doWith("GET", list, nil, headers(first)); r.status != 401 {
		t.Errorf("the replaced session: %d, want 401", r.status)
	}
	if r := e.doWith("GET", list, nil, headers(second.Value)); r.status != 200 {
		t.Errorf("the new session: %d", r.status)
	}

	// A new password signs every browser out.
	if _, _, err := e.accounts.SetPassword(context.Background(), "alice@example.com", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if r := e.doWith("GET", list, nil, headers(second.Value)); r.status != 401 {
		t.Errorf("a session after a password change: %d, want 401", r.status)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := withPasswords(newEnv(t))
	list := e.path("p1", "/session_recording_playlists/")
	token := e.login("alice@example.com", alicePassword)
	start := e.clock.Now()
	lastSeen := func() time.Time {
		us, _, err := e.store.UserSessionByTokenHash(context.Background(), auth.HashSessionToken(token))
		if err != nil {
			t.Fatal(err)
		}
		return us.LastSeenAt
	}

	e.clock.Advance(30 * time.Second)
	e.doWith("GET", list, nil, headers(token))
	if !lastSeen().Equal(start) {
		t.Errorf("last_seen_at moved after 30 seconds: %v", lastSeen())
	}
	e.clock.Advance(31 * time.Second)
	e.doWith("GET", list, nil, headers(token))
	if got := lastSeen(); !got.Equal(e.clock.Now()) {
		t.Errorf("last_seen_at %v after a minute, want %v", got, e.clock.Now())
	}

	// Use does not extend a session: it ends 14 days after sign-in.
	e.clock.t = start.Add(14*24*time.Hour - time.Second)
	if r := e.doWith("GET", list, nil, headers(token)); r.status != 200 {
		t.Fatalf("a second before expiry: %d", r.status)
	}
	e.clock.Advance(time.Second)
	if r := e.doWith("GET", list, nil, headers(token)); r.status != 401 {
		t.Fatalf("at expiry: %d, want 401", r.status)
	} else {
		expect(t, r.body, notAuthenticated)
	}
	if r := e.doWith("GET", "/api/users/@me/", nil, headers(token)); r.status != 401 {
		t.Errorf("@me at expiry: %d, want 401", r.status)
	}
}

func TestSessionTTLOption(t *testing.T) {
	e := withPasswords(newEnv(t, func(o *httpapi.Options) { o.SessionTTL = time.Hour }))
	r := e.doWith("POST", "/api/login/", credentials("bob@example.com", bobPassword), nil)
	ck := sessionCookie(r)
	if ck == nil || ck.MaxAge != 3600 {
		t.Fatalf("cookie %q, want Max-Age=3600", r.header.Get("Set-Cookie"))
	}
	e.clock.Advance(time.Hour)
	if r := e.doWith("GET", "/api/users/@me/", nil, headers(ck.Value)); r.status != 401 {
		t.Errorf("after the hour: %d, want 401", r.status)
	}
}

func TestMe(t *testing.T) {
	e := withPasswords(newEnv(t))
	alice := e.users["alice"]
	token := e.login("alice@example.com", alicePassword)
	project := func(name string) map[string]any {
		return map[string]any{"id": e.projects[name].ID, "name": e.projects[name].Name}
	}
	orgA := map[string]any{"id": e.projects["p1"].OrganizationID, "name": "Org A"}
	runBrowser(t, e, []browserScenario{
		{"with the session", "GET", "/api/users/@me/", headers(token), nil, 200, map[string]any{
			"id": alice.ID, "uuid": alice.UUID, "distinct_id": alice.DistinctID, "first_name": "Alice", "last_name": "",
			"email": "alice@example.com", "is_email_verified": false, "hedgehog_config": nil, "role_at_organization": nil,
			"organization": orgA,
			"projects":     []any{project("p1"), project("p2"), project("fx")},
		}},
		{"without the slash", "GET", "/api/users/@me", headers(token), nil, 200, map[string]any{"email": "alice@example.com"}},
		{"with a key", "GET", "/api/users/@me/", headers("", "Authorization", "Bearer "+e.keys["alice"]), nil, 200,
			map[string]any{"email": "alice@example.com", "organization": orgA}},
		{"with a key limited to one project", "GET", "/api/users/@me/", headers("", "Authorization", "Bearer "+e.keys["alice-p2"]),
			nil, 200, map[string]any{"projects": []any{project("p2")}}},
		{"bob", "GET", "/api/users/@me/", headers("", "Authorization", "Bearer "+e.keys["bob"]), nil, 200,
			map[string]any{"organization": map[string]any{"id": e.projects["p3"].OrganizationID, "name": "Org B"},
				"projects": []any{project("p3")}}},
		{"without credentials", "GET", "/api/users/@me/", nil, nil, 401, notAuthenticated},
		{"with an unknown session", "GET", "/api/users/@me/", headers("nope"), nil, 401, notAuthenticated},
	})
}

func TestSnapshotKeysPerRequest(t *testing.T) {
	e := withPasswords(newCaptureEnv(t))
	e.sendAll(2, 3, 4, 5, 6, 7, 11)
	token := e.login("alice@example.com", alicePassword)
	snaps := e.path("fx", "/session_recordings/"+docsSession+"/snapshots?source=blob_v2&start_blob_key=0&end_blob_key=")
	key := headers("", "Authorization", "Bearer "+e.keys["alice"])
	tooMany := func(n int) map[string]any {
		return errorBody("validation_error", "invalid_input", fmt.Sprintf("At most %d blob keys can be read at once.", n), "end_blob_key")
	}
	runBrowser(t, e, []browserScenario{
		{"a key reads 6 blocks", "GET", snaps + "5", key, nil, 200, nil},
		{"a key reads at most 20 keys", "GET", snaps + "20", key, nil, 400, tooMany(20)},
		{"a session reads 6 blocks", "GET", snaps + "5", headers(token), nil, 200, nil},
		// Past the limit of a key, the range is checked against the blocks
		// there are: this recording has 6.
		{"a session may ask for 21 keys", "GET", snaps + "20", headers(token), nil, 404, nil},
		{"a session may ask for 100 keys", "GET", snaps + "99", headers(token), nil, 404, nil},
		{"a session reads at most 100 keys", "GET", snaps + "100", headers(token), nil, 400, tooMany(100)},
	})
}
