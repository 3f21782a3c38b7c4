package httpapi

import (
	"net/url"
	"strconv"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// page is a limit/offset window over a list.
type page struct {
	limit, offset int
}

// readPage reads limit and offset from the query: limit defaults to def
// and is clamped to max; a value that is not a whole number in range is a
// 400 naming it.
func (c *call) readPage(def, max int) (page, error) {
	p := page{limit: def}
	q := c.r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, apierror.Invalid("limit", "limit must be a whole number of at least 1.")
		}
		p.limit = min(n, max)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, apierror.Invalid("offset", "offset must be a whole number of at least 0.")
		}
		p.offset = n
	}
	return p, nil
}

// links returns the absolute next and previous URLs of the page within a
// list of count items, or nil where there is none.
func (c *call) links(p page, count int) (next, previous *string) {
	base := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.URL.Path}
	if c.r.TLS != nil || c.r.Header.Get("X-Forwarded-Proto") == "https" {
		base.Scheme = "https"
	}
	at := func(offset int) *string {
		q := c.r.URL.Query()
		// A key given in the query string is not echoed into the body.
		q.Del("personal_api_key")
		q.Set("limit", strconv.Itoa(p.limit))
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		} else {
			q.Del("offset")
		}
		u := base
		u.RawQuery = q.Encode()
		s := u.String()
		return &s
	}
	if p.offset+p.limit < count {
		next = at(p.offset + p.limit)
	}
	if p.offset > 0 {
		previous = at(max(p.offset-p.limit, 0))
	}
	return next, previous
}

// listPage is the DRF-style paginated list body.
type listPage struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  any     `json:"results"`
}

// paginated builds the list body for one page of results.
func (c *call) paginated(p page, count int, results any) listPage {
	next, previous := c.links(p, count)
	return listPage{Count: count, Next: next, Previous: previous, Results: results}
}
