package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"unicode"
)

// The shapes every resource service shares, so that roles, permission sets
// and what comes after them find, create and delete alike: find by name,
// recover a create whose answer was lost, delete idempotently.

// The find-by-name step. Keyfactor's list queries
// narrow a list but prove nothing: their string comparison may ignore case,
// a name holding `"` cannot be queried at all, and pages may overlap when the
// list shifts while it is read. So a lookup reads the narrowed list, keeps
// each item once, and compares names here.

// nameQuery is the QueryString that narrows a list to name.
func nameQuery(name string) string { return eqQuery("Name", name) }

// eqQuery is the QueryString `field -eq "value"`, or "" when the value
// holds a double quote, which Keyfactor's query language cannot escape
// (the whole list is read instead: the comparison on the client decides).
func eqQuery(field, value string) string {
	if strings.ContainsRune(value, '"') {
		return ""
	}
	return field + ` -eq "` + value + `"`
}

// nameKey is the one way names are compared ignoring case, everywhere:
// two names have the same key exactly when strings.EqualFold holds for
// them (each rune becomes the smallest of its Unicode case-folding orbit,
// so "ſales", "SALES" and "Sales" share one key, as they fold alike).
func nameKey(name string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, name)
}

// checkName refuses a name that would compare one way here and another on
// the server: blank, with space at either end, or holding a control
// character ("Ops\r" would be a role of its own to Command, yet look like
// "Ops" in every listing).
func checkName(v *validator, field, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.add(field, "must not be blank")
	case strings.TrimSpace(name) != name:
		v.addf(field, "%q has space at its start or end: names are compared as written", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		v.addf(field, "%q holds a control character", name)
	}
}

// sameName collects the items of a list whose name equals name ignoring
// case (as Command compares names), each id once, in list order.
func sameName[T any, K comparable](items iter.Seq2[T, error], name string, idName func(*T) (K, string)) ([]T, error) {
	var out []T
	seen := map[K]bool{}
	for item, err := range items {
		if err != nil {
			return nil, err
		}
		id, n := idName(&item)
		if !seen[id] && strings.EqualFold(n, name) {
			seen[id] = true
			out = append(out, item)
		}
	}
	return out, nil
}

// exactName keeps the items whose name is exactly name.
func exactName[T any](items []T, name string, nameOf func(*T) string) []T {
	var out []T
	for i := range items {
		if nameOf(&items[i]) == name {
			out = append(out, items[i])
		}
	}
	return out
}

// findNamed is a GetByName: the one item of the (narrowed) list whose name
// is exactly name. None is an error matching ErrNotFound (with why, when
// the caller may need to know more); several, an error naming their ids.
func findNamed[T any, K comparable](items iter.Seq2[T, error], op, what, name, why string, idName func(*T) (K, string)) (*T, error) {
	named, err := sameName(items, name, idName)
	if err != nil {
		return nil, err
	}
	exact := exactName(named, name, func(x *T) string { _, n := idName(x); return n })
	switch len(exact) {
	case 0:
		return nil, errorf("%s: no %s is named %q%s: %w", op, what, name, why, ErrNotFound)
	case 1:
		return &exact[0], nil
	}
	ids := make([]string, len(exact))
	for i := range exact {
		id, _ := idName(&exact[i])
		ids[i] = fmt.Sprint(id)
	}
	return nil, errorf("%s: %d %ss are named %q (ids %s)", op, len(exact), what, name, strings.Join(ids, ", "))
}

// writeOnce is every create, and every full-replace update that must not
// undo another writer's change: it sends cl (a POST, or a call marked
// notIdempotent: never repeated once it may have reached the server) and
// returns what the server holds, convert turning the answer into the
// result. When the answer was lost (the error matches ErrOutcomeUnknown
// and ctx still lives), it reads instead of sending again: find reads the
// object by its identity (an error matching ErrNotFound means the server
// holds none), and same says whether the one found is what was sent. A
// match is returned, with a nil error, as the write's result; otherwise
// the write's own error stands, with any failure of the lookup added.
func writeOnce[W, T any](ctx context.Context, c *Client, what string, cl call, convert func(*W) *T,
	find func() (*T, error), same func(*T) bool) (*T, error) {
	var w W
	err := c.do(ctx, cl, &w)
	if err == nil {
		return convert(&w), nil
	}
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return nil, err
	}
	found, lookupErr := find()
	switch {
	case errors.Is(lookupErr, ErrNotFound):
		return nil, err
	case lookupErr != nil:
		return nil, fmt.Errorf("%w (looking the %s up afterwards failed too: %v)", err, what, lookupErr)
	case found == nil || !same(found):
		return nil, err
	}
	if c.logger != nil {
		c.logger.InfoContext(ctx, "keyfactor: "+what+" write failed in transit but the server holds what was sent; returning the stored "+what,
			slog.String("error", err.Error()))
	}
	return found, nil
}

// same is writeOnce's check for a lookup that proves the identity alone.
func same[T any](*T) bool { return true }

// deleteIdempotent sends a DELETE. It is retried like a GET; when an
// earlier attempt may have reached the server (its answer was lost, or a
// gateway answered 502 or 504) and a retry answers 404, the object is gone
// as asked and the result is nil. A 404 on the first attempt stands.
func (c *Client) deleteIdempotent(ctx context.Context, path string, query any, version apiVersion, what string) error {
	err := c.do(ctx, call{method: http.MethodDelete, path: path, query: query, version: version}, nil)
	if errors.Is(err, ErrNotFound) && earlierAttemptMayHaveLanded(err) {
		if c.logger != nil {
			c.logger.DebugContext(ctx, "keyfactor: "+what+" delete answered 404 after an attempt that may have deleted it; done",
				slog.String("path", path))
		}
		return nil
	}
	return err
}

// forEach runs f(0..n-1) with at most workers at once, in order, starting
// none after ctx ends, and returns how many it started: f ran for exactly
// 0..started-1. The workers are long-lived: a goroutine per item would put
// a hand-off through the scheduler between one request and the next.
func forEach(ctx context.Context, n, workers int, f func(i int)) (started int) {
	var mu sync.Mutex // claims indexes in order, and only while ctx lives
	claim := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if started >= n || ctx.Err() != nil {
			return 0, false
		}
		started++
		return started - 1, true
	}
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i, ok := claim(); ok; i, ok = claim() {
				f(i)
			}
		})
	}
	wg.Wait()
	return started
}
