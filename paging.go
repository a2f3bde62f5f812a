package keyfactor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
)

// Keyfactor's list endpoints page with PageReturned (1-based) and
// ReturnLimit, and answer with a bare JSON array: no total, no next link.

// Page sizes of the listers.
const (
	// DefaultPageSize is the ReturnLimit sent when a list's PageSize is 0.
	DefaultPageSize = 100
	// MaxPageSize is the largest PageSize a list accepts.
	MaxPageSize = 1000
	// serverPageSize is Keyfactor's own default ReturnLimit. No server caps
	// a page below its own default, so a shorter page is surely the last.
	serverPageSize = 50
)

// pageQuery is the paging and sorting part of a list's query, embedded in
// each endpoint's query struct.
type pageQuery struct {
	QueryString   string `url:"QueryString,omitempty"`
	PageReturned  int    `url:"PageReturned"`
	ReturnLimit   int    `url:"ReturnLimit"`
	SortField     string `url:"SortField,omitempty"`
	SortAscending int    `url:"SortAscending,omitempty"` // 0 ascending (the default), 1 descending
}

func newPageQuery(query string, pageSize int, sortField string, descending bool) pageQuery {
	q := pageQuery{QueryString: query, ReturnLimit: pageSize, SortField: sortField}
	if q.ReturnLimit == 0 {
		q.ReturnLimit = DefaultPageSize
	}
	if descending {
		q.SortAscending = 1
	}
	return q
}

// checkPageSize reports a page size outside 0..MaxPageSize.
func checkPageSize(v *validator, field string, pageSize int) {
	if pageSize < 0 || pageSize > MaxPageSize {
		v.addf(field, "must be between 0 (the default, %d) and %d, got %d", DefaultPageSize, MaxPageSize, pageSize)
	}
}

// listPlain is the List of a v1 endpoint whose query is paging and sorting
// only: q's page size checked under op, then every page of path.
func listPlain[W, T any, K comparable](ctx context.Context, c *Client, op, path string, q pageQuery, key func(*W) K,
	convert func(*W) T) iter.Seq2[T, error] {
	v := newValidator(op)
	checkPageSize(v, "PageSize", q.ReturnLimit) // 0 was made DefaultPageSize
	if err := v.err(); err != nil {
		return failed[T](err)
	}
	newCall := func() (call, *pageQuery) {
		q := q // each walk pages its own copy
		return call{method: http.MethodGet, path: path, version: v1, query: &q}, &q
	}
	return paginate(ctx, c, newCall, key, convert)
}

// paginate yields every item of a list endpoint, fetching a page only when
// the loop needs it. newCall builds the request and returns the paging part
// of its query, which paginate advances; it is called once per iteration,
// so the sequence can be ranged over again, or from several goroutines. An
// error is yielded once and ends the sequence; breaking out of the loop
// stops fetching.
//
// Where the list ends is not documented: Keyfactor's own code reads until a
// page comes back empty. An empty page ends it here too, and so does a page
// shorter than ReturnLimit — except a short first page of serverPageSize
// items or more, which could be a server capping ReturnLimit rather than the
// end: then that length is asked for from there on (a server that counted
// offsets from the size asked for would otherwise skip the items between),
// and the next page decides. So a server that honours ReturnLimit costs at
// most one extra request, and one that caps it loses no item.
//
// A server that breaks the protocol ends the walk with an error instead of
// running it without end or into memory: a page longer than the ReturnLimit
// asked for stops decoding at the first item too many, and a page that
// brings no item the earlier pages had not (a server ignoring
// PageReturned, even one that reshuffles what it repeats) ends it. key
// names an item: its id.
func paginate[W, T any, K comparable](ctx context.Context, c *Client, newCall func() (call, *pageQuery), key func(*W) K,
	convert func(*W) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		cl, page := newCall()
		seen := map[K]struct{}{}
		for n := 1; ; n++ {
			page.PageReturned = n
			p := pageOf[W]{limit: page.ReturnLimit}
			if err := c.do(ctx, cl, &p); err != nil {
				yield(zero, err)
				return
			}
			if len(p.items) == 0 {
				return
			}
			fresh := 0
			for i := range p.items {
				k := key(&p.items[i])
				if _, ok := seen[k]; !ok {
					seen[k] = struct{}{}
					fresh++
				}
			}
			if fresh == 0 {
				yield(zero, errorf("%s %s: page %d brings no item earlier pages had not: the server ignores PageReturned "+
					"(or the list shifted by a whole page while it was read); stopped reading", cl.method, c.baseURL+"/"+cl.path, n))
				return
			}
			for i := range p.items {
				if !yield(convert(&p.items[i]), nil) {
					return
				}
			}
			if len(p.items) < page.ReturnLimit {
				if n > 1 || len(p.items) < serverPageSize {
					return
				}
				page.ReturnLimit = len(p.items)
			}
		}
	}
}

// pageOf decodes one page of a list: a JSON array of at most limit items.
type pageOf[W any] struct {
	limit int
	items []W
}

func (p *pageOf[W]) decodeBody(b []byte) error {
	// Count before decoding: a page longer than asked for is refused
	// without materializing its items. The count stops at the first item
	// too many, and json.Unmarshal then validates and decodes in one pass.
	n, err := countItems(b, p.limit)
	if err == nil && n > p.limit {
		err = fmt.Errorf("the page holds more than the %d items asked for (ReturnLimit); stopped reading", p.limit)
	}
	if err != nil {
		return err
	}
	p.items = make([]W, 0, n)
	return json.Unmarshal(b, &p.items)
}

// countItems counts the elements of the JSON array b, stopping as soon as
// there are more than limit (it then returns limit+1). It only finds the
// top-level commas, outside strings and nested values; json.Unmarshal
// checks the syntax afterwards. null is an empty page.
func countItems(b []byte, limit int) (int, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return 0, nil
	}
	if len(b) < 2 || b[0] != '[' {
		return 0, errors.New("a list answer must be a JSON array")
	}
	if len(bytes.TrimSpace(b[1:len(b)-1])) == 0 {
		return 0, nil
	}
	n, depth, inString := 1, 0, false
	for i := 1; i < len(b); i++ {
		c := b[i]
		if !jsonStructural[c] {
			continue
		}
		switch {
		case inString:
			if c == '\\' {
				i++ // the escaped byte, whatever it is
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth < 0 { // the closing ]
				return n, nil
			}
		case c == ',' && depth == 0:
			if n++; n > limit {
				return n, nil // the caller refuses it; no need to read on
			}
		}
	}
	return n, nil // unterminated: json.Unmarshal says so
}

// jsonStructural marks the bytes countItems looks at; every other byte of
// a page is skipped with one lookup.
var jsonStructural = [256]bool{'"': true, '\\': true, '{': true, '}': true, '[': true, ']': true, ',': true}

// failed is a sequence that yields only err: how a lister reports input it
// refused before sending anything.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// each yields items already read, for the helpers that take a sequence
// (findNamed): an answer that is one array, not pages.
func each[T any](items []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range items {
			if !yield(x, nil) {
				return
			}
		}
	}
}
