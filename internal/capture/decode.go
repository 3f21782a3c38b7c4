package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/jsonscan"
)

// maxLayers bounds how many encodings Decode peels off one request (for
// example form, then base64, then gzip); content still encoded after that
// is refused as not being JSON.
const maxLayers = 4

// Decode reads a capture request: body is the raw request body (possibly
// empty), contentType the Content-Type header and query the URL query.
//
// Encodings are recognised by content, helped by the hints the SDKs give;
// Content-Encoding is never consulted:
//
//   - gzip is recognised by its magic bytes 1f 8b, whatever the content type
//     or the compression parameter say;
//   - a form body data=<value> (application/x-www-form-urlencoded, or any
//     body starting with "data="); the value is base64 (either alphabet,
//     padded or not, '+' possibly turned into ' '), JSON, or gzip;
//   - an empty body with data in the query string (what a GET request
//     carries) is read like the form field;
//   - otherwise the body is plain JSON, or base64 text of JSON or gzip
//     (compression=base64 makes base64 the first guess).
//
// compression=lz64 (query or form field), an old LZ-string encoding, is
// refused with a 400.
//
// The JSON is one event object, an array of events, or an envelope
// {"api_key", "batch": [...], "sent_at"} ({"data": [...]} is accepted
// too); the envelope's api_key and sent_at apply to events lacking their own.
//
// Errors are *apierror.Error values: 400 for corrupt or truncated gzip,
// invalid base64, content that is not JSON, the wrong shapes (a number, an
// array holding a non-object, a field of the wrong type) and an empty batch;
// 413 when decoded content would exceed lim.MaxDecompressedBytes.
func Decode(body []byte, contentType string, query url.Values, lim Limits) ([]Event, error) {
	b := newBudget(lim)
	hints := hints{compression: strings.ToLower(strings.TrimSpace(query.Get("compression")))}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		hints.form = mt == "application/x-www-form-urlencoded"
	}
	if err := hints.check(); err != nil {
		return nil, err
	}

	what := "The request body"
	payload := trimSpace(body)
	if len(payload) == 0 {
		data, ok := query["data"]
		if !ok || len(data) == 0 {
			return nil, apierror.ParseError("The request body is empty and the query has no data parameter.")
		}
		payload = trimSpace([]byte(data[0]))
		what = "The data query parameter"
		hints.form = false
		hints.fromQuery = true
	}

	content, err := unwrap(payload, &hints, b, what, 0)
	if err != nil {
		return nil, err
	}
	return parseRequest(content)
}

// hints are what the request says about its encoding.
type hints struct {
	compression string // the compression parameter, lower case
	form        bool   // the Content-Type is a URL-encoded form
	fromQuery   bool   // the content came from the query's data parameter
}

func (h *hints) check() error {
	if h.compression == "lz64" {
		return apierror.Invalid("compression",
			"compression=lz64 is not supported; send gzip (gzip-js), base64 or uncompressed JSON.")
	}
	return nil
}

func (h *hints) base64() bool {
	return h.compression == "base64" || h.fromQuery
}

// unwrap peels the encodings off p until JSON text remains.
func unwrap(p []byte, h *hints, b *budget, what string, depth int) ([]byte, error) {
	p = trimSpace(p)
	if len(p) == 0 {
		return nil, apierror.ParseError(what + " is empty.")
	}
	if depth >= maxLayers {
		return p, nil // left to the JSON parser, which refuses it
	}
	startsJSON := p[0] == '{' || p[0] == '['

	if isGzip(p) {
		out, err := inflate(p, b, what)
		if err != nil {
			return nil, err
		}
		return unwrap(out, h, b, "The decompressed content", depth+1)
	}

	// A form: what starts with data=, or a form-typed body that holds a
	// data field or cannot be anything else (base64 text is read as such).
	isForm := bytes.HasPrefix(p, []byte("data=")) ||
		(h.form && depth == 0 && !startsJSON && (bytes.Contains(p, []byte("data=")) || !looksBase64(p)))
	if isForm {
		form, perr := url.ParseQuery(string(p))
		if c := strings.ToLower(strings.TrimSpace(form.Get("compression"))); c != "" {
			h.compression = c
			if err := h.check(); err != nil {
				return nil, err
			}
		}
		data, ok := form["data"]
		if !ok || len(data) == 0 {
			if perr != nil {
				return nil, apierror.ParseError(what + " is not valid URL-encoded form data.")
			}
			return nil, apierror.Invalid("data", what+" is a form without a data field.")
		}
		h.fromQuery = true // the same rules as the query's data parameter
		return unwrap([]byte(data[0]), h, b, "The data field", depth+1)
	}

	if startsJSON {
		return p, nil
	}
	if h.base64() {
		out, err := decodeBase64(p, b, what)
		if err != nil {
			if jsonscan.Valid(p) {
				return p, nil // compression=base64 with plain JSON after all
			}
			return nil, err
		}
		h.compression, h.fromQuery = "", false // base64 is never nested
		return unwrap(out, h, b, "The base64-decoded content", depth+1)
	}
	if jsonscan.Valid(p) {
		return p, nil
	}
	if looksBase64(p) {
		if out, err := decodeBase64(p, b, what); err == nil {
			return unwrap(out, h, b, "The base64-decoded content", depth+1)
		} else if isTooLarge(err) {
			return nil, err
		}
	}
	return p, nil // the JSON parser says what is wrong
}

func isTooLarge(err error) bool {
	e, ok := err.(*apierror.Error)
	return ok && e.Status == 413
}

// parseRequest reads the JSON text p as one event, an array of events or an
// envelope.
func parseRequest(p []byte) ([]Event, error) {
	if !jsonscan.Valid(p) {
		return nil, apierror.ParseError("The request content is not valid JSON" + syntaxReason(p) + ".")
	}
	var (
		items []json.RawMessage
		env   envelope
		attr  string // the field holding the events, for error attrs
	)
	switch p[0] {
	case '[':
		items = arrayItems(p)
	case '{':
		top := objectMap(p)
		field := ""
		if _, ok := top["batch"]; ok {
			field = "batch"
		} else if _, ok := top["data"]; ok && isNull(top["event"]) {
			field = "data"
		}
		if field == "" {
			items = []json.RawMessage{json.RawMessage(p)}
			break
		}
		attr = field
		switch v := top[field]; {
		case len(v) > 0 && v[0] == '[':
			items = arrayItems(v)
		case len(v) > 0 && v[0] == '{':
			items = []json.RawMessage{v}
		default:
			return nil, apierror.Invalid(field, fmt.Sprintf("%s must be an array of events, not %s.", field, jsonKind(v)))
		}
		for _, k := range []string{"api_key", "token", "$token"} {
			if s, ok := jsonString(top[k]); ok && s != "" {
				env.token = s
				break
			}
		}
		env.sentAt, _ = jsonString(top["sent_at"])
	default:
		return nil, apierror.Invalid("", fmt.Sprintf("The request content must be an event object, an array of events or a batch envelope, not %s.", jsonKind(p)))
	}

	if len(items) == 0 {
		return nil, apierror.Invalid(attr, "The request holds no events.")
	}
	events := make([]Event, 0, len(items))
	for i, it := range items {
		if it[0] != '{' {
			return nil, apierror.Invalid(attr, fmt.Sprintf("Event %d must be a JSON object, not %s.", i, jsonKind(it)))
		}
		ev, err := parseEvent(it, i, env)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// syntaxReason says briefly where JSON text p stops being valid.
func syntaxReason(p []byte) string {
	var v struct{}
	err := json.Unmarshal(p, &v) // checks the syntax before decoding anything
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf(" (%s at byte %d)", se.Error(), se.Offset)
	}
	return ""
}
