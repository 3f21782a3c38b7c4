package rrweb

import (
	"cmp"
	"encoding/json"
	"slices"
)

// The data.tag values of the custom events whose payload.href is a URL the
// visitor went to.
const (
	// TagPageview is the custom event posthog-js records with each $pageview.
	TagPageview = "$pageview"
	// TagURLChanged is the custom event posthog-js records when the URL
	// changes without a page load.
	TagURLChanged = "$url_changed"
)

// URLVisit is a URL seen in a recording and the earliest time it was seen.
type URLVisit struct {
	// Timestamp is the earliest rrweb timestamp the URL was seen at, in
	// milliseconds since the epoch.
	Timestamp int64
	// URL is the URL as recorded.
	URL string
}

// hrefPayload is the part of a custom event's payload that matters here.
type hrefPayload struct {
	Href json.RawMessage `json:"href"`
}

// metaURL reads the URL of a Meta event's data ("" when there is none).
func metaURL(d *eventData) string {
	href, _ := stringValue(d.Href)
	return href
}

// customURL reads the URL of a Custom event's data: payload.href of a
// $pageview or $url_changed event ("" for any other event).
func customURL(d *eventData) string {
	if tag, _ := stringValue(d.Tag); tag != TagPageview && tag != TagURLChanged {
		return ""
	}
	var p hrefPayload
	if json.Unmarshal(d.Payload, &p) != nil {
		return ""
	}
	href, _ := stringValue(p.Href)
	return href
}

// urlSet collects the earliest timestamp of each URL.
type urlSet map[string]int64

// add records that url was seen at ts. Empty URLs are ignored.
func (u *urlSet) add(url string, ts int64) {
	if url == "" {
		return
	}
	if *u == nil {
		*u = make(urlSet)
	}
	if seen, ok := (*u)[url]; !ok || ts < seen {
		(*u)[url] = ts
	}
}

// visits returns the set's URLs sorted by timestamp, then URL.
func (u urlSet) visits() []URLVisit {
	if len(u) == 0 {
		return nil
	}
	out := make([]URLVisit, 0, len(u))
	for url, ts := range u {
		out = append(out, URLVisit{Timestamp: ts, URL: url})
	}
	slices.SortFunc(out, compareVisits)
	return out
}

// compareVisits orders visits by timestamp, then URL.
func compareVisits(a, b URLVisit) int {
	if c := cmp.Compare(a.Timestamp, b.Timestamp); c != 0 {
		return c
	}
	return cmp.Compare(a.URL, b.URL)
}
