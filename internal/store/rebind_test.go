package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRebindDollar(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                                  `SELECT 1`,
		`a = ? AND b IN (?, ?)`:                     `a = $1 AND b IN ($2, $3)`,
		`x LIKE ? ESCAPE '\' OR y = ?`:              `x LIKE $1 ESCAPE '\' OR y = $2`,
		`s = 'what?' AND t = ?`:                     `s = 'what?' AND t = $1`,
		`s = 'it''s ?' AND "col?" = ? AND u = ?`:    `s = 'it''s ?' AND "col?" = $1 AND u = $2`,
		strings.Repeat("?,", 11) + "?":              "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12",
		`CASE r.session_id WHEN ? THEN 0 END, ?, ?`: `CASE r.session_id WHEN $1 THEN 0 END, $2, $3`,
	} {
		if got := rebindDollar(in); got != want {
			t.Errorf("rebindDollar(%q) = %q, want %q", in, got, want)
		}
	}
}

// No SQL the store or the recording package writes has a ? inside a quoted
// string or identifier: every ? is a placeholder, which rebindDollar
// numbers. (It would leave a quoted one alone, but a query relying on that
// would be fragile.) The check reads every string constant of the two
// packages' sources.
func TestNoQuestionMarkInSQLLiterals(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("../recording/*.go")
	checked := 0
	for _, path := range append(files, more...) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.Contains(s, "?") {
				return true
			}
			checked++
			var quote byte
			for i := 0; i < len(s); i++ {
				switch c := s[i]; {
				case quote != 0 && c == quote:
					quote = 0
				case quote == 0 && (c == '\'' || c == '"'):
					quote = c
				case quote != 0 && c == '?':
					t.Errorf("%s: a ? inside a quoted SQL string: %s", path, s)
					return true
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Errorf("only %d string constants with a ? were found: is the check reading the sources?", checked)
	}
}
