package keyfactor

import (
	"context"
	"iter"
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
// end: then that page's length counts as a full page from there on, and the
// next page decides. So a server that honours ReturnLimit costs at most one
// extra request, and one that caps it loses no item.
func paginate[W, T any](ctx context.Context, c *Client, newCall func() (call, *pageQuery), convert func(*W) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cl, page := newCall()
		full := page.ReturnLimit
		for n := 1; ; n++ {
			page.PageReturned = n
			var items []W
			if err := c.do(ctx, cl, &items); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for i := range items {
				if !yield(convert(&items[i]), nil) {
					return
				}
			}
			if len(items) == 0 {
				return
			}
			if len(items) < full {
				if n > 1 || len(items) < serverPageSize {
					return
				}
				full = len(items)
			}
		}
	}
}

// failed is a sequence that yields only err: how a lister reports input it
// refused before sending anything.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
