package bench

import (
	"bytes"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
)

// fullSnapshotGz is the data of a real FullSnapshot sent by posthog-js
// 1.449.2 (a documentation page of about 3,500 nodes), gzipped as the SDK
// sends it inside the event; synthetic sessions vary it.
//
//go:embed fullsnapshot.json.gz
var fullSnapshotGz []byte

// sdkVersion is the posthog-js version whose wire format the payloads follow.
const sdkVersion = "1.449.2"

// captureBatch is one request as posthog-js sends it to /s/, with the
// sizes the figures are measured in.
type captureBatch struct {
	// Body is the gzip request body (a JSON array of $snapshot events).
	Body []byte
	// Decompressed is the size of the body once gunzipped.
	Decompressed int64
	// RRWeb is the size of the batch's rrweb events as plain JSON, after
	// the SDK's per-event compression is undone.
	RRWeb int64
	// JSONL is the size of the lines [window_id, event] the server stores
	// for the batch.
	JSONL int64
}

// syntheticSession is one recording's requests, in the order the SDK sends
// them.
type syntheticSession struct {
	SessionID, WindowID, DistinctID string
	Batches                         []captureBatch
}

// JSONL is the size of the session's stored lines.
func (s *syntheticSession) JSONL() int64 {
	var n int64
	for _, b := range s.Batches {
		n += b.JSONL
	}
	return n
}

// sessionShape says how long a synthetic session is: Pages page loads (a
// Meta and a FullSnapshot each), each followed by BatchesPerPage requests
// of incremental activity (about two seconds each). Heavy sessions have
// larger DOM mutations, as a busy single-page application does.
type sessionShape struct {
	Pages          int
	BatchesPerPage int
	Heavy          bool
}

// generateSessions builds n sessions of the shape for the project token,
// on every core, with timestamps ending around now. seed makes the content
// reproducible (ids are fresh UUIDv7s).
func generateSessions(token string, n int, shape sessionShape, seed uint64) ([]*syntheticSession, error) {
	tmpl, err := loadDOMTemplate()
	if err != nil {
		return nil, err
	}
	out := make([]*syntheticSession, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				out[i] = newSessionWriter(tmpl, token, seed+uint64(i)).session(shape)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, nil
}

// domTemplate is the fixture's FullSnapshot data cut at its text nodes, so
// that a variant is a concatenation.
type domTemplate struct {
	// parts alternate: literal JSON, then the escaped content of a text
	// node, then literal JSON, …
	literals [][]byte
	texts    [][]byte
	maxID    int
}

var loadDOMTemplate = sync.OnceValues(func() (*domTemplate, error) {
	zr, err := gzip.NewReader(bytes.NewReader(fullSnapshotGz))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, err
	}
	dom := buf.Bytes()
	t := &domTemplate{}
	marker := []byte(`"textContent":"`)
	for {
		i := bytes.Index(dom, marker)
		if i < 0 {
			t.literals = append(t.literals, dom)
			break
		}
		start := i + len(marker)
		end := start
		for end < len(dom) && dom[end] != '"' {
			if dom[end] == '\\' {
				end++
			}
			end++
		}
		t.literals = append(t.literals, dom[:start])
		t.texts = append(t.texts, dom[start:end])
		dom = dom[end:]
	}
	idKey := []byte(`"id":`)
	for _, l := range t.literals {
		for rest := l; ; {
			i := bytes.Index(rest, idKey)
			if i < 0 {
				break
			}
			rest = rest[i+len(idKey):]
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(string(rest[:j])); err == nil && n > t.maxID {
				t.maxID = n
			}
		}
	}
	if len(t.texts) == 0 || t.maxID == 0 {
		return nil, fmt.Errorf("bench: the full snapshot template has no text nodes")
	}
	return t, nil
})

// templateTitle is the template page's title, which variants replace.
var templateTitle = []byte("Debian Python Policy 0.12.0.0 documentation")

// variant writes the template with the words of about half of its longer
// text nodes shuffled, and the page title replaced.
func (t *domTemplate) variant(rng *rand.Rand, title string, dst []byte) []byte {
	for i, lit := range t.literals {
		dst = append(dst, lit...)
		if i >= len(t.texts) {
			break
		}
		text := t.texts[i]
		switch {
		case bytes.Equal(text, templateTitle):
			dst = appendJSONText(dst, title)
		case len(text) > 24 && rng.IntN(2) == 0:
			words := bytes.Split(text, []byte(" "))
			rng.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
			dst = append(dst, bytes.Join(words, []byte(" "))...)
		default:
			dst = append(dst, text...)
		}
	}
	return dst
}

// sessionWriter builds one synthetic session's events and requests.
type sessionWriter struct {
	tmpl                            *domTemplate
	rng                             *rand.Rand
	token                           string
	sessionID, windowID, distinctID string
	winJSON                         []byte
	now                             int64 // the next event's time, Unix ms
	nextID                          int   // the next new node id
	listIDs                         []int // nodes mutations append to
	x, y, scrollY                   int
	page                            int
	url                             string

	// pending are the events of the $snapshot being built.
	pending []rrEvent
	// snapshots are the $snapshot events of the request being built.
	snapshots [][]byte
	batch     captureBatch
	out       []captureBatch
}

// rrEvent is one rrweb event as plain JSON and as it is on the wire (the
// same bytes unless the SDK compresses it).
type rrEvent struct{ plain, wire []byte }

func newSessionWriter(tmpl *domTemplate, token string, seed uint64) *sessionWriter {
	w := &sessionWriter{
		tmpl:       tmpl,
		rng:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		token:      token,
		sessionID:  uuid.Must(uuid.NewV7()).String(),
		windowID:   uuid.Must(uuid.NewV7()).String(),
		distinctID: uuid.Must(uuid.NewV7()).String(),
	}
	w.winJSON = strconv.AppendQuote(nil, w.windowID)
	return w
}

func (w *sessionWriter) session(shape sessionShape) *syntheticSession {
	span := int64(shape.Pages*(shape.BatchesPerPage+1)) * 4000
	// End the session a little before now: the server drops events from
	// the future.
	w.now = time.Now().UnixMilli() - span - 60_000 - w.rng.Int64N(60_000)
	for p := range shape.Pages {
		w.page = p
		w.pageLoad()
		for range shape.BatchesPerPage {
			w.activity(shape.Heavy)
			w.flush()
		}
	}
	return &syntheticSession{SessionID: w.sessionID, WindowID: w.windowID, DistinctID: w.distinctID, Batches: w.out}
}

// tick advances the clock by lo..hi ms and returns the new time.
func (w *sessionWriter) tick(lo, hi int) int64 {
	w.now += int64(lo + w.rng.IntN(hi-lo+1))
	return w.now
}

// add appends an event to the $snapshot being built.
func (w *sessionWriter) add(plain, wire []byte) {
	if wire == nil {
		wire = plain
	}
	w.pending = append(w.pending, rrEvent{plain, wire})
	w.batch.RRWeb += int64(len(plain))
	// [window_id,event]\n
	w.batch.JSONL += int64(len(w.winJSON) + len(plain) + 4)
}

// pageLoad sends what the SDK sends when recording starts on a page: Meta,
// the FullSnapshot and its custom events, in a request of their own.
func (w *sessionWriter) pageLoad() {
	w.url = fmt.Sprintf("https://app.example.com/%s/%d?tab=%d", pagePaths[w.rng.IntN(len(pagePaths))], w.rng.IntN(100000), w.page)
	ts := w.tick(300, 900)
	w.add(fmt.Appendf(nil, `{"type":4,"data":{"href":%q,"width":1280,"height":800},"timestamp":%d}`, w.url, ts), nil)

	ts = w.tick(3, 10)
	dom := w.tmpl.variant(w.rng, fmt.Sprintf("Workspace %d · page %d", w.rng.IntN(1000), w.page), make([]byte, 0, 270_000))
	plain := make([]byte, 0, len(dom)+64)
	plain = append(plain, `{"type":2,"data":`...)
	plain = append(plain, dom...)
	plain = fmt.Appendf(plain, `,"timestamp":%d}`, ts)
	wire := append([]byte(`{"type":2,"data":`), appendBinaryString(nil, gzipBytes(dom))...)
	wire = fmt.Appendf(wire, `,"timestamp":%d,"cv":"2024-10"}`, ts)
	w.add(plain, wire)
	w.nextID = w.tmpl.maxID + 1
	w.listIDs = []int{36, 37, 39, 4 + w.rng.IntN(30)}

	ts = w.tick(5, 15)
	w.add(fmt.Appendf(nil, `{"type":5,"data":{"tag":"$remote_config_received","payload":{"cache_timestamp":%d,"enabled":true,"endpoint":"/s/","consoleLogRecordingEnabled":true,"networkPayloadCapture":{"capturePerformance":false},"canvasRecording":{},"sampleRate":null,"minimumDurationMilliseconds":null}},"timestamp":%d}`, ts-20, ts), nil)
	w.add(fmt.Appendf(nil, `{"type":5,"data":{"tag":"$session_options","payload":{"sessionRecordingOptions":{"blockClass":"ph-no-capture","ignoreClass":"ph-ignore-input","maskTextClass":"ph-mask","maskAllInputs":true,"maskInputOptions":{"password":true},"maskAllElementAttributes":false,"slimDOMOptions":{},"collectFonts":false,"inlineStylesheet":true,"inlineStylesheetBudgetRules":10000,"recordCrossOriginIframes":false},"activePlugins":["rrweb/console@1"]}},"timestamp":%d}`, ts), nil)
	w.add(fmt.Appendf(nil, `{"type":5,"data":{"tag":"$recording_started","payload":{"reason":"recording_initialized"}},"timestamp":%d}`, ts), nil)
	w.endSnapshot()
	w.flush()
}

var pagePaths = []string{"projects", "settings", "billing", "reports", "dashboard", "invoices", "team", "search"}

// activity records about two seconds of a user on the page, in one or two
// $snapshot events (the SDK's buffer flushes) of one request.
func (w *sessionWriter) activity(heavy bool) {
	parts := 1 + w.rng.IntN(2)
	for range parts {
		for range 2 + w.rng.IntN(2) {
			w.mouseMove()
			switch r := w.rng.IntN(10); {
			case r < 4:
				w.scroll()
			case r < 6:
				w.click()
			case r < 7:
				w.typeText()
			}
			if w.rng.IntN(3) == 0 || heavy {
				w.mutation(heavy)
			}
			if w.rng.IntN(6) == 0 {
				w.console()
			}
		}
		w.endSnapshot()
	}
}

func (w *sessionWriter) mouseMove() {
	ts := w.tick(250, 500)
	b := []byte(`{"type":3,"data":{"source":1,"positions":[`)
	n := 2 + w.rng.IntN(2)
	for i := range n {
		w.x = max(0, min(1279, w.x+w.rng.IntN(81)-40))
		w.y = max(0, min(799, w.y+w.rng.IntN(81)-40))
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"x":%d,"y":%d,"id":%d,"timeOffset":%d}`, w.x, w.y, 3+w.rng.IntN(w.tmpl.maxID-3), -50*(n-i)-w.rng.IntN(40))
	}
	b = fmt.Appendf(b, `]},"timestamp":%d}`, ts)
	w.add(b, nil)
}

func (w *sessionWriter) scroll() {
	// Down the page, and back to the top now and then.
	w.scrollY = (w.scrollY + 100 + w.rng.IntN(400)) % 12000
	w.add(fmt.Appendf(nil, `{"type":3,"data":{"source":3,"id":1,"x":0,"y":%d},"timestamp":%d}`, w.scrollY, w.tick(10, 200)), nil)
}

func (w *sessionWriter) click() {
	id := 3 + w.rng.IntN(w.tmpl.maxID-3)
	for _, typ := range []int{1, 0, 2} { // MouseDown, MouseUp, Click
		w.add(fmt.Appendf(nil, `{"type":3,"data":{"source":2,"type":%d,"id":%d,"x":%d,"y":%d,"pointerType":0},"timestamp":%d}`, typ, id, w.x, w.y, w.tick(20, 90)), nil)
	}
}

func (w *sessionWriter) typeText() {
	word := typedWords[w.rng.IntN(len(typedWords))]
	id := 3 + w.rng.IntN(w.tmpl.maxID-3)
	for i := 1; i <= len(word); i++ {
		w.add(fmt.Appendf(nil, `{"type":3,"data":{"source":5,"text":%q,"isChecked":false,"id":%d},"timestamp":%d}`, word[:i], id, w.tick(20, 60)), nil)
	}
}

var typedWords = []string{"alice@example.com", "quarterly report", "Berlin", "4242 4242", "refund", "new project", "ok"}

// mutation adds a list item (a card with a few children in heavy sessions),
// changes an attribute and a text, and sometimes removes a node; it is
// compressed as posthog-js compresses mutations.
func (w *sessionWriter) mutation(heavy bool) {
	ts := w.tick(5, 60)
	parent := w.listIDs[w.rng.IntN(len(w.listIDs))]
	var adds []byte
	adds = append(adds, '[')
	items := 1
	if heavy {
		items = 4 + w.rng.IntN(6)
	}
	for it := range items {
		li := w.nextID
		w.nextID += 6
		if it > 0 {
			adds = append(adds, ',')
		}
		label := cardWords[w.rng.IntN(len(cardWords))]
		adds = fmt.Appendf(adds, `{"parentId":%d,"nextId":null,"node":{"type":2,"tagName":"li","attributes":{"class":"card card-%d","data-row":"%d"},"childNodes":[],"id":%d}},`, parent, w.rng.IntN(8), li, li)
		adds = fmt.Appendf(adds, `{"parentId":%d,"nextId":null,"node":{"type":2,"tagName":"span","attributes":{"class":"card-title"},"childNodes":[],"id":%d}},`, li, li+1)
		adds = fmt.Appendf(adds, `{"parentId":%d,"nextId":null,"node":{"type":3,"textContent":"%s #%d","id":%d}}`, li+1, label, w.rng.IntN(10000), li+2)
		if heavy {
			adds = fmt.Appendf(adds, `,{"parentId":%d,"nextId":%d,"node":{"type":2,"tagName":"button","attributes":{"type":"button","class":"btn btn-sm","aria-label":"Open %s"},"childNodes":[],"id":%d}}`, li, li+1, label, li+3)
			adds = fmt.Appendf(adds, `,{"parentId":%d,"nextId":null,"node":{"type":3,"textContent":"Open","id":%d}}`, li+3, li+4)
			adds = fmt.Appendf(adds, `,{"parentId":%d,"nextId":null,"node":{"type":2,"tagName":"img","attributes":{"src":"https://cdn.example.com/avatars/%d.png","alt":"","width":"24","height":"24"},"childNodes":[],"id":%d}}`, li, w.rng.IntN(5000), li+5)
		}
	}
	adds = append(adds, ']')
	attrs := fmt.Appendf(nil, `[{"id":%d,"attributes":{"class":"row %s","style":{"opacity":"%d"}}}]`, 3+w.rng.IntN(w.tmpl.maxID-3), cardWords[w.rng.IntN(len(cardWords))], w.rng.IntN(2))
	texts := fmt.Appendf(nil, `[{"id":%d,"value":"%d items"}]`, 3+w.rng.IntN(w.tmpl.maxID-3), w.rng.IntN(500))
	removes := []byte("[]")
	if w.nextID > w.tmpl.maxID+12 && w.rng.IntN(3) == 0 {
		removes = fmt.Appendf(nil, `[{"parentId":%d,"id":%d}]`, parent, w.tmpl.maxID+1+6*w.rng.IntN((w.nextID-w.tmpl.maxID)/6))
	}
	plain := fmt.Appendf(nil, `{"type":3,"data":{"source":0,"texts":%s,"attributes":%s,"removes":%s,"adds":%s},"timestamp":%d}`, texts, attrs, removes, adds, ts)
	wire := []byte(`{"type":3,"data":{"source":0,"texts":`)
	wire = appendBinaryString(wire, gzipBytes(texts))
	wire = append(wire, `,"attributes":`...)
	wire = appendBinaryString(wire, gzipBytes(attrs))
	wire = append(wire, `,"removes":`...)
	wire = appendBinaryString(wire, gzipBytes(removes))
	wire = append(wire, `,"adds":`...)
	wire = appendBinaryString(wire, gzipBytes(adds))
	wire = fmt.Appendf(wire, `},"timestamp":%d,"cv":"2024-10"}`, ts)
	w.add(plain, wire)
}

var cardWords = []string{"Invoice", "Customer", "Order", "Ticket", "Deployment", "Report", "Alert", "Task"}

func (w *sessionWriter) console() {
	level := "log"
	switch w.rng.IntN(10) {
	case 0:
		level = "error"
	case 1, 2:
		level = "warn"
	}
	w.add(fmt.Appendf(nil, `{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":%q,"trace":["fetchRows (https://app.example.com/assets/app.js:12:%d)","async loadPage (https://app.example.com/assets/app.js:40:7)"],"payload":["\"loaded %d rows in %dms\""]}},"timestamp":%d}`,
		level, w.rng.IntN(900), w.rng.IntN(200), w.rng.IntN(900), w.tick(5, 80)), nil)
}

// endSnapshot closes the $snapshot event being built.
func (w *sessionWriter) endSnapshot() {
	if len(w.pending) == 0 {
		return
	}
	// $snapshot_bytes: the events' JSON length in JavaScript characters,
	// as sent.
	var size int
	for _, e := range w.pending {
		size += utf8.RuneCount(e.wire)
	}
	ev := make([]byte, 0, size+1024)
	ev = fmt.Appendf(ev, `{"uuid":%q,"event":"$snapshot","properties":{"$snapshot_bytes":%d,"$snapshot_data":[`, uuid.Must(uuid.NewV7()).String(), size)
	for i, e := range w.pending {
		if i > 0 {
			ev = append(ev, ',')
		}
		ev = append(ev, e.wire...)
	}
	ts := time.UnixMilli(w.now + 2).UTC()
	ev = fmt.Appendf(ev, `],"$session_id":%q,"$window_id":%q,"$lib":"web","$lib_version":%q,"$snapshot_host":"app.example.com","token":%q,"$config_defaults":"unset","distinct_id":%q},"timestamp":%q,"sent_at":%q}`,
		w.sessionID, w.windowID, sdkVersion, w.token, w.distinctID, ts.Format(jsTime), ts.Add(time.Duration(200+w.rng.IntN(2800))*time.Millisecond).Format(jsTime))
	w.snapshots = append(w.snapshots, ev)
	w.pending = w.pending[:0]
}

// jsTime is Date.prototype.toISOString's layout.
const jsTime = "2006-01-02T15:04:05.000Z"

// flush closes the request being built.
func (w *sessionWriter) flush() {
	w.endSnapshot()
	if len(w.snapshots) == 0 {
		return
	}
	body := []byte{'['}
	for i, s := range w.snapshots {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, s...)
	}
	body = append(body, ']')
	w.batch.Decompressed = int64(len(body))
	w.batch.Body = gzipBytes(body)
	w.out = append(w.out, w.batch)
	w.batch = captureBatch{}
	w.snapshots = w.snapshots[:0]
}

// gzipPool holds writers at the default level (fflate's gzipSync default).
var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// gzipBytes compresses p as posthog-js does: gzip with no name, mtime 0
// and the Unix OS byte.
func gzipBytes(p []byte) []byte {
	var buf bytes.Buffer
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Header.OS = 3
	zw.Write(p)
	zw.Close()
	gzipPool.Put(zw)
	return buf.Bytes()
}

// appendBinaryString appends p as the JSON string JSON.stringify writes
// for a string holding one byte per character (what the SDK's
// per-event compression sends): bytes from 0x80 become two-byte UTF-8.
func appendBinaryString(dst, p []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range p {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		case c < 0x80:
			dst = append(dst, c)
		default:
			dst = append(dst, 0xc0|c>>6, 0x80|c&0x3f)
		}
	}
	return append(dst, '"')
}

// appendJSONText appends s escaped for the inside of a JSON string.
func appendJSONText(dst []byte, s string) []byte {
	q := strconv.AppendQuote(nil, s)
	return append(dst, q[1:len(q)-1]...)
}
