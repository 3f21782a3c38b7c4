package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// PostgreSQL's regular expressions read the filters' RE2 patterns as
// RegexpPattern translates them, and match what Go's regexp matches.
func TestPostgresRegexpMatchesGo(t *testing.T) {
	s := backends[1].open(t)
	ctx := context.Background()
	d := s.Dialect()
	patterns := []string{
		`step-\d$`, `^heck`, `(?i)checkout`, `a.c`, `(?s)a.c`, `a[^x]c`, `^$`, `x*`, `(?m)^b$`, `(?m)a$`,
		`\bword\b`, `\Bor\B`, `colou?r`, `(ab)+c`, `(?:ab){2,3}`, `a{300}`, `a{2}b{0,1}`, `[[:alpha:]]+\d`,
		`\pL+`, `\p{Greek}`, `[^\p{L}\d]`, `\.html$`, `a|b|`, `(a|)b`, `[\]\-\\^]`, `\x{1F600}`, `(?i)straße`,
		`(?i)[k]elvin`, `\Q.*+\E`, `[a-c&&]`, `\$\(\)\{\}\[\]\|\+\?`, `^/path/(?P<id>\d+)/`, `\n`, `\t\r`, `.+?x`,
		`(?U)a+`, `\z`, `\Aabc`, `[\s\S]`, `\S+@\S+`, `\W`, `[^\n]`, `é`, `(?i)É`, `\x00`, `[^a]`, `[\x{10000}-\x{10FFFF}]`,
	}
	inputs := []string{
		"", "abc", "ABC", "a\nc", "axc", "checkout/step-2", "CHECKOUT", "a\nb\nc", "b", "word", "sword words", "color",
		"colour", "ababc", "abababab", "aab", "x9", "Zoë", "λόγος", "/index.html", "]", "-", "\\", "^", "😀",
		"STRASSE", "straße", "\u212aelvin", "kelvin", ".*+", "&", "$(){}[]|+?", "/path/42/", "\t\r", "yyx",
		"user@example.com", "a b", "é", "É", strings300(),
	}
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		are, err := d.RegexpPattern(p)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		for _, in := range inputs {
			var got bool
			if err := s.read.QueryRowContext(ctx, `SELECT $1::text ~ $2`, in, are).Scan(&got); err != nil {
				t.Fatalf("%q as %q on %q: %v", p, are, in, err)
			}
			if want := re.MatchString(in); got != want {
				t.Errorf("%q (as %q) on %q: %v, Go says %v", p, are, in, got, want)
			}
		}
	}
}

func strings300() string {
	b := make([]byte, 300)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

// PostgreSQL's text holds neither NUL nor invalid UTF-8: such a string is
// stored, and compared, with U+FFFD in place of each.
func TestPostgresTextArguments(t *testing.T) {
	s := backends[1].open(t)
	ctx := context.Background()
	name := "a\x00b\xffc"
	if err := s.CreateOrganization(ctx, Organization{ID: "o\x00", Name: name, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o, err := s.Organization(ctx, "o\x00")
	if err != nil || o.Name != "a\uFFFDb\uFFFDc" || o.ID != "o\uFFFD" {
		t.Errorf("organization %+v (%v)", o, err)
	}
	v := "x\x00"
	var got string
	if err := s.read.QueryRowContext(ctx, `SELECT $1::text || $2::text`, &v, sql.NullString{String: "\x00", Valid: true}).Scan(&got); err != nil ||
		got != "x\uFFFD\uFFFD" {
		t.Errorf("a *string and a NullString: %q (%v)", got, err)
	}
}

func TestPoolSize(t *testing.T) {
	for in, want := range map[string]int{
		"postgres://u@h/db": DefaultPostgresConns,
		"postgres://u@h/db?pool_max_conns=40&sslmode=disable": 40,
	} {
		conn, n, err := poolSize(in)
		if err != nil || n != want || strings.Contains(conn, "pool_max_conns") {
			t.Errorf("%s: %q %d %v", in, conn, n, err)
		}
	}
	for _, in := range []string{"postgres://u@h/db?pool_max_conns=1", "postgres://u@h/db?pool_max_conns=many"} {
		if _, _, err := poolSize(in); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
	err := hidePassword(errors.New("bad password s3cret for u"), "postgres://u:s3cret@h/db")
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the password shows: %v", err)
	}
}
