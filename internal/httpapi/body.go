package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/playlist"
)

// body is a request body read as named fields. A form-encoded body gives
// every field as a JSON string; a JSON body must be an object.
type body struct {
	fields map[string]json.RawMessage
	form   bool
}

// readBody reads and parses the body of a POST, PUT or PATCH, refusing one
// larger than limit.
func (c *call) readBody(limit int64) error {
	c.body = &body{fields: map[string]json.RawMessage{}}
	if c.r.Method != http.MethodPost && c.r.Method != http.MethodPut && c.r.Method != http.MethodPatch {
		return nil
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apierror.TooLarge(limit)
	} else if err != nil {
		return apierror.ParseError("The request body could not be read.")
	}
	mediaType, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		values, err := url.ParseQuery(string(raw))
		if err != nil {
			return apierror.ParseError("Form parse error - " + err.Error())
		}
		c.body.form = true
		for k, v := range values {
			s, _ := json.Marshal(v[len(v)-1])
			c.body.fields[k] = s
		}
		return nil
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return apierror.ParseError("JSON parse error - " + err.Error())
	}
	if err := json.Unmarshal(raw, &c.body.fields); err != nil {
		return apierror.Validation("", "invalid",
			fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonKind(raw)))
	}
	return nil
}

// str reads a field that must be a string (numbers are taken as their
// text). It returns whether the field was present.
func (b *body) str(name string) (string, bool, error) {
	raw, ok := b.fields[name]
	if !ok {
		return "", false, nil
	}
	if string(raw) == "null" {
		return "", true, apierror.Validation(name, "null", "This field may not be null.")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true, nil
	}
	return "", true, apierror.Validation(name, "invalid", "Not a valid string.")
}

// requiredText reads a string field that must be sent and not be empty.
func (b *body) requiredText(name string) (string, error) {
	s, ok, err := b.str(name)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", apierror.Required(name)
	case s == "":
		return "", apierror.Blank(name)
	}
	return s, nil
}

// text reads an optional string field of at most maxLen characters; null
// is allowed when nullable.
func (b *body) text(name string, maxLen int, nullable bool) (playlist.Field[*string], error) {
	if nullable && string(b.fields[name]) == "null" {
		return playlist.Field[*string]{Set: true}, nil
	}
	s, ok, err := b.str(name)
	if err != nil || !ok {
		return playlist.Field[*string]{}, err
	}
	if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
		return playlist.Field[*string]{}, apierror.Validation(name, "max_length",
			fmt.Sprintf("Ensure this field has no more than %d characters.", maxLen))
	}
	return playlist.Field[*string]{Set: true, Value: &s}, nil
}

// boolean reads an optional boolean field, taking the spellings a form or
// a lenient client sends ("true", "1", "yes", "on" and their opposites).
func (b *body) boolean(name string) (playlist.Field[bool], error) {
	raw, ok := b.fields[name]
	if !ok {
		return playlist.Field[bool]{}, nil
	}
	var v any
	json.Unmarshal(raw, &v)
	var s string
	switch x := v.(type) {
	case bool:
		return playlist.Field[bool]{Set: true, Value: x}, nil
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		s = x
	case nil:
		return playlist.Field[bool]{}, apierror.Validation(name, "null", "This field may not be null.")
	}
	if t, ok := parseBool(s); ok {
		return playlist.Field[bool]{Set: true, Value: t}, nil
	}
	return playlist.Field[bool]{}, apierror.Validation(name, "invalid", "Must be a valid boolean.")
}

// object reads an optional field that must be a JSON object; a form sends
// it as JSON text.
func (b *body) object(name string) (playlist.Field[json.RawMessage], error) {
	raw, ok := b.fields[name]
	if !ok {
		return playlist.Field[json.RawMessage]{}, nil
	}
	if b.form {
		var s string
		json.Unmarshal(raw, &s)
		if !json.Valid([]byte(s)) {
			return playlist.Field[json.RawMessage]{}, apierror.Validation(name, "invalid", "Value must be valid JSON.")
		}
		raw = json.RawMessage(s)
	}
	switch kind := jsonKind(raw); kind {
	case "dict":
		var out bytes.Buffer
		json.Compact(&out, raw)
		return playlist.Field[json.RawMessage]{Set: true, Value: out.Bytes()}, nil
	case "null":
		return playlist.Field[json.RawMessage]{}, apierror.Validation(name, "null", "This field may not be null.")
	default:
		return playlist.Field[json.RawMessage]{}, apierror.Validation(name, "invalid",
			fmt.Sprintf("Expected a JSON object, but got %s.", kind))
	}
}

// jsonKind names the kind of a JSON value as PostHog's messages do.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "dict"
	case '[':
		return "list"
	case '"':
		return "str"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// parseBool reads the usual spellings of true and false.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE", "t", "T", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON", "1":
		return true, true
	case "false", "False", "FALSE", "f", "F", "no", "No", "NO", "n", "N", "off", "Off", "OFF", "0":
		return false, true
	}
	return false, false
}
