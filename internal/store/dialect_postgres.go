package store

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// PostgresDialect is the Dialect of PostgreSQL. Its JSON functions are the
// SQL functions the migrations create (tapedeck_json_text and
// tapedeck_json_number); its regular expressions are PostgreSQL's own, fed
// patterns translated from RE2.
type PostgresDialect struct{}

// JSONText implements Dialect.
func (PostgresDialect) JSONText(doc string) string { return `tapedeck_json_text(` + doc + `, ?)` }

// JSONNumber implements Dialect.
func (PostgresDialect) JSONNumber(doc string) string { return `tapedeck_json_number(` + doc + `, ?)` }

// Regexp implements Dialect.
func (PostgresDialect) Regexp(text string) string { return `(` + text + ` ~ ?)` }

// ContainsFold implements Dialect. lower folds letters as the database's
// locale (LC_CTYPE) says: every Unicode letter under a UTF-8 locale.
func (PostgresDialect) ContainsFold(text string) string {
	return `(strpos(lower(` + text + `), lower(?)) > 0)`
}

// RegexpPattern implements Dialect: it writes the RE2 pattern as a
// PostgreSQL advanced regular expression (ARE) that matches the same
// strings. Only whether a string matches counts here, so groups become
// non-capturing and every repetition greedy.
func (PostgresDialect) RegexpPattern(re2 string) (string, error) {
	re, err := syntax.Parse(re2, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("regular expression %q: %w", re2, err)
	}
	var b strings.Builder
	writeARE(&b, re.Simplify())
	return b.String(), nil
}

// areNever is an ARE that matches nothing: a class with no character that
// PostgreSQL's text can hold.
const areNever = `[^\u0001-\U0010ffff]`

// writeARE writes re, a simplified RE2 syntax tree (no OpRepeat), as an ARE.
func writeARE(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(areNever)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				writeFoldedRune(b, r)
			} else {
				writeAERune(b, r)
			}
		}
	case syntax.OpCharClass:
		writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\u000a]`)
	case syntax.OpAnyChar:
		// Without the n flag, PostgreSQL's . matches a newline too.
		b.WriteString(`.`)
	case syntax.OpBeginLine:
		b.WriteString(`(?:^|(?<=\n))`)
	case syntax.OpEndLine:
		b.WriteString(`(?:$|(?=\n))`)
	case syntax.OpBeginText:
		b.WriteString(`^`)
	case syntax.OpEndText:
		b.WriteString(`$`)
	case syntax.OpWordBoundary:
		b.WriteString(`\y`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\Y`)
	case syntax.OpCapture:
		b.WriteString(`(?:`)
		writeARE(b, re.Sub[0])
		b.WriteString(`)`)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		b.WriteString(`(?:`)
		writeARE(b, re.Sub[0])
		b.WriteString(`)`)
		b.WriteString(map[syntax.Op]string{syntax.OpStar: `*`, syntax.OpPlus: `+`, syntax.OpQuest: `?`}[re.Op])
	case syntax.OpRepeat:
		// Simplify leaves none; PostgreSQL bounds a repeat count at 255
		// where RE2 allows 1000, so they are not written as counts.
		writeARE(b, re.Simplify())
	case syntax.OpConcat:
		b.WriteString(`(?:`)
		for _, sub := range re.Sub {
			writeARE(b, sub)
		}
		b.WriteString(`)`)
	case syntax.OpAlternate:
		b.WriteString(`(?:`)
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteString(`|`)
			}
			writeARE(b, sub)
		}
		b.WriteString(`)`)
	default:
		b.WriteString(areNever)
	}
}

// writeAERune writes r as a character that matches itself.
func writeAERune(b *strings.Builder, r rune) {
	switch {
	case r == 0:
		// PostgreSQL's text holds no NUL: nothing matches it.
		b.WriteString(areNever)
	case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		b.WriteRune(r)
	case r < 0x80 && unicode.IsPrint(r):
		// A backslash before a character that is not a letter or digit
		// makes it plain.
		b.WriteByte('\\')
		b.WriteRune(r)
	default:
		writeEscape(b, r)
	}
}

// writeFoldedRune writes r matching any of its case variants.
func writeFoldedRune(b *strings.Builder, r rune) {
	variants := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		variants = append(variants, f)
	}
	if len(variants) == 1 {
		writeAERune(b, r)
		return
	}
	b.WriteByte('[')
	for _, v := range variants {
		writeEscape(b, v)
	}
	b.WriteByte(']')
}

// writeEscape writes r as a \u or \U escape, which means the character
// itself inside a bracket expression and out.
func writeEscape(b *strings.Builder, r rune) {
	if r <= 0xffff {
		fmt.Fprintf(b, `\u%04x`, r)
	} else {
		fmt.Fprintf(b, `\U%08x`, r)
	}
}

// writeClass writes a character class given as pairs of inclusive bounds.
// NUL and the surrogate halves, which no text holds, are left out.
func writeClass(b *strings.Builder, ranges []rune) {
	var out []rune
	add := func(lo, hi rune) {
		if lo <= hi {
			out = append(out, lo, hi)
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := max(ranges[i], 1), ranges[i+1]
		if lo < 0xd800 && hi > 0xdfff {
			add(lo, 0xd7ff)
			add(0xe000, hi)
			continue
		}
		if lo >= 0xd800 && lo <= 0xdfff {
			lo = 0xe000
		}
		if hi >= 0xd800 && hi <= 0xdfff {
			hi = 0xd7ff
		}
		add(lo, hi)
	}
	if len(out) == 0 {
		b.WriteString(areNever)
		return
	}
	b.WriteByte('[')
	for i := 0; i < len(out); i += 2 {
		writeEscape(b, out[i])
		if out[i+1] != out[i] {
			b.WriteByte('-')
			writeEscape(b, out[i+1])
		}
	}
	b.WriteByte(']')
}

// sqlitePattern keeps the RE2 pattern as it is: SQLite's regexp is Go's.
func sqlitePattern(re2 string) (string, error) {
	if _, err := syntax.Parse(re2, syntax.Perl); err != nil {
		return "", fmt.Errorf("regular expression %q: %w", re2, err)
	}
	return re2, nil
}
