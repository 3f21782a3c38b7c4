package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"
)

var listNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// newListStore opens a store of backend b with two projects.
func newListStore(t *testing.T, b backend) (*Store, Project, Project) {
	t.Helper()
	ctx := context.Background()
	s := b.open(t)
	org := Organization{ID: "org", Name: "o", CreatedAt: listNow}
	if err := s.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	var ps [2]Project
	for i := range ps {
		ps[i] = Project{UUID: fmt.Sprintf("p%d", i), OrganizationID: org.ID, Name: "p", APIToken: fmt.Sprintf("phc_%d", i),
			Timezone: "UTC", CreatedAt: listNow}
		if err := s.CreateProject(ctx, &ps[i]); err != nil {
			t.Fatal(err)
		}
	}
	return s, ps[0], ps[1]
}

// putRecordings stores recordings r<i> starting at start[i] with clicks[i].
func putRecordings(t *testing.T, s *Store, projectID int64, starts []int64, clicks []int) {
	t.Helper()
	err := s.Write(context.Background(), func(tx *Tx) error {
		for i := range starts {
			r := Recording{ProjectID: projectID, SessionID: fmt.Sprintf("r%d", i), DistinctID: "d", FirstTS: starts[i],
				LastTS: starts[i] + 1000, ClickCount: clicks[i], SnapshotSource: "web", Activity: []byte("points"),
				CreatedAt: listNow, LastIngestedAt: listNow}
			if err := tx.PutRecording(context.Background(), &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sessionIDs(recs []Recording) []string {
	ids := []string{}
	for _, r := range recs {
		ids = append(ids, r.SessionID)
	}
	return ids
}

func TestListRecordings(t *testing.T) { forEachBackend(t, testListRecordings) }

func testListRecordings(t *testing.T, b backend) {
	s, p, other := newListStore(t, b)
	ctx := context.Background()
	// r0..r5; r0 is before the retention bound of 1000.
	putRecordings(t, s, p.ID, []int64{999, 1000, 3000, 2000, 5000, 4000}, []int{9, 1, 2, 2, 2, 1})
	putRecordings(t, s, other.ID, []int64{1000, 2000, 3000}, []int{1, 1, 1})

	recs, count, err := s.ListRecordings(ctx, p.ID, 1000, Condition{}, Order{}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := sessionIDs(recs); !slices.Equal(got, []string{"r1", "r2", "r3", "r4", "r5"}) || count != 5 {
		t.Errorf("no order: %v (%d), want session id order", got, count)
	}
	if len(recs[0].Activity) != 0 || recs[0].LastTS != 2000 || recs[0].ClickCount != 1 {
		t.Errorf("a listed recording: %+v", recs[0])
	}

	// Ties on clicks are broken by session id, page after page.
	order := Order{SQL: "r.click_count DESC"}
	want := []string{"r2", "r3", "r4", "r1", "r5"}
	var paged []string
	for offset := 0; offset < 6; offset += 2 {
		recs, count, err := s.ListRecordings(ctx, p.ID, 1000, Condition{}, order, 2, offset)
		if err != nil {
			t.Fatal(err)
		}
		if count != 5 {
			t.Errorf("count %d", count)
		}
		paged = append(paged, sessionIDs(recs)...)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}

	// A condition and an order with arguments.
	cond := Condition{SQL: "r.click_count = ? OR r.session_id = ?", Args: []any{2, "r1"}}
	order = Order{SQL: "CASE WHEN r.session_id = ? THEN 0 ELSE 1 END, r.first_ts DESC", Args: []any{"r3"}}
	recs, count, err = s.ListRecordings(ctx, p.ID, 1000, cond, order, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := sessionIDs(recs); !slices.Equal(got, []string{"r3", "r4", "r2", "r1"}) || count != 4 {
		t.Errorf("condition and order: %v (%d)", got, count)
	}
	ids, err := s.RecordingSessionIDs(ctx, p.ID, 1000, cond, order, 2, 1)
	if err != nil || !slices.Equal(ids, []string{"r4", "r2"}) {
		t.Errorf("session ids %v %v", ids, err)
	}
	if _, _, err := s.ListRecordings(ctx, p.ID, 1000, Condition{SQL: "no_such_column = 1"}, Order{}, 1, 0); err == nil {
		t.Error("a broken condition must fail")
	}
}

func TestCountRecordings(t *testing.T) { forEachBackend(t, testCountRecordings) }

func testCountRecordings(t *testing.T, b backend) {
	s, p, _ := newListStore(t, b)
	ctx := context.Background()
	putRecordings(t, s, p.ID, []int64{1000, 2000, 3000, 4000, 5000}, []int{0, 1, 1, 1, 0})
	cases := []struct {
		cond      Condition
		limit     int
		want      int
		wantCaped bool
	}{
		{Condition{}, 10, 5, false},
		{Condition{}, 5, 5, false},
		{Condition{}, 4, 4, true},
		{Condition{SQL: "r.click_count = ?", Args: []any{1}}, 3, 3, false},
		{Condition{SQL: "r.click_count = ?", Args: []any{1}}, 2, 2, true},
		{Condition{SQL: "1 = 0"}, 2, 0, false},
	}
	for _, c := range cases {
		n, capped, err := s.CountRecordings(ctx, p.ID, 0, c.cond, c.limit)
		if err != nil || n != c.want || capped != c.wantCaped {
			t.Errorf("%q limit %d: %d %v %v, want %d %v", c.cond.SQL, c.limit, n, capped, err, c.want, c.wantCaped)
		}
	}
}

// TestDialect checks the SQL each dialect writes and the functions behind
// it. PostgreSQL's text cannot hold NUL, so the cases with one are
// SQLite's.
func TestDialect(t *testing.T) { forEachBackend(t, testDialect) }

func testDialect(t *testing.T, b backend) {
	s := b.open(t)
	ctx := context.Background()
	d := s.Dialect()
	sqlite := b.name == "sqlite"
	doc := `'{"s":"Zoë","i":42,"f":1.5,"t":true,"n":null,"o":{"a":[1]},"num":" 12.5 ","inf":"1e999","k\"q":"quoted","z":"a\u0000b","big":1e999,"neg":"-.5e1"}'`
	text := func(doc, key string) sql.NullString {
		t.Helper()
		var v sql.NullString
		if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT `+d.JSONText(doc)), key).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	number := func(key string) sql.NullFloat64 {
		t.Helper()
		var v sql.NullFloat64
		if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT `+d.JSONNumber(doc)), key).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	texts := map[string]sql.NullString{
		"s": {String: "Zoë", Valid: true}, "i": {String: "42", Valid: true}, "f": {String: "1.5", Valid: true},
		"t": {String: "true", Valid: true}, "o": {String: `{"a":[1]}`, Valid: true}, `k"q`: {String: "quoted", Valid: true},
		"n": {}, "missing": {}, "$.s": {},
	}
	if sqlite {
		texts["z"] = sql.NullString{String: "a\x00b", Valid: true}
	} else {
		texts["z"] = sql.NullString{String: "a\uFFFDb", Valid: true}
	}
	for key, want := range texts {
		if got := text(doc, key); got != want {
			t.Errorf("JSONText %q = %v, want %v", key, got, want)
		}
	}
	numbers := map[string]sql.NullFloat64{
		"i": {Float64: 42, Valid: true}, "f": {Float64: 1.5, Valid: true}, "num": {Float64: 12.5, Valid: true},
		"neg": {Float64: -5, Valid: true}, "s": {}, "t": {}, "n": {}, "o": {}, "inf": {}, "missing": {},
	}
	if !sqlite {
		numbers["big"] = sql.NullFloat64{}
	}
	for key, want := range numbers {
		if got := number(key); got != want {
			t.Errorf("JSONNumber %q = %v, want %v", key, got, want)
		}
	}
	for _, bad := range []string{`'not json'`, `'[1, 2]'`, `'"s"'`, `'{"s": 1'`} {
		if v := text(bad, "s"); v.Valid {
			t.Errorf("JSONText of %s: %v, want NULL", bad, v)
		}
	}

	boolean := func(expr string, args ...any) sql.NullBool {
		t.Helper()
		var b sql.NullBool
		if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT `+expr), args...).Scan(&b); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return b
	}
	pattern := func(re2 string) string {
		t.Helper()
		p, err := d.RegexpPattern(re2)
		if err != nil {
			t.Fatalf("pattern %q: %v", re2, err)
		}
		return p
	}
	arg := "CAST(? AS TEXT)"
	yes, no, null := sql.NullBool{Bool: true, Valid: true}, sql.NullBool{Valid: true}, sql.NullBool{}
	type boolCase struct {
		expr string
		args []any
		want sql.NullBool
	}
	cases := []boolCase{
		{d.Regexp(arg), []any{"checkout/step-2", pattern(`step-\d$`)}, yes},
		{d.Regexp(arg), []any{"checkout", pattern(`^heck`)}, no},
		{d.Regexp(arg), []any{"CHECKOUT", pattern(`(?i)checkout`)}, yes},
		{d.Regexp(arg), []any{nil, pattern(`.*`)}, null},
		{d.ContainsFold(arg), []any{"Élan VITAL", "élan v"}, yes},
		{d.ContainsFold(arg), []any{"100% done", "%"}, yes},
		{d.ContainsFold(arg), []any{"abc", "_"}, no},
		{d.ContainsFold(arg), []any{nil, "x"}, null},
	}
	if sqlite {
		cases = append(cases,
			boolCase{d.Regexp("?"), []any{"a\x00b", pattern(`a\x00b`)}, yes},
			boolCase{d.Regexp("?"), []any{12, pattern(`^1`)}, yes},
			boolCase{d.ContainsFold("?"), []any{"a\x00b", "\x00"}, yes},
			boolCase{d.ContainsFold("?"), []any{"ab", "\x00"}, no})
	}
	for _, c := range cases {
		if got := boolean(c.expr, c.args...); got != c.want {
			t.Errorf("%s %q = %v, want %v", c.expr, c.args, got, c.want)
		}
	}
	// Patterns are checked before they reach SQL.
	if _, err := d.RegexpPattern("("); err == nil {
		t.Error("an invalid pattern must be refused")
	}
	if sqlite {
		// One that is not valid fails the query rather than matching nothing.
		var b sql.NullBool
		if err := s.read.QueryRowContext(ctx, `SELECT `+d.Regexp("?"), "x", "(").Scan(&b); err == nil {
			t.Error("an invalid pattern must fail")
		}
		// The pattern cache starts over when full and keeps working.
		for i := range maxCachedPatterns + 10 {
			if got := boolean(d.Regexp("?"), fmt.Sprint(i), fmt.Sprintf("^%d$", i)); got != yes {
				t.Fatalf("pattern %d: %v", i, got)
			}
		}
	}
}
