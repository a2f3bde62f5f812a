package keyfactor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"sync"
)

// ContainersService reads certificate store containers, whose ids scope
// permissions (/certificate_stores/change_owner/3/) and owner changes.
// Reach it as Client.Containers. It only reads.
//
// Command 25 serves containers as "Applications" at /Applications;
// /CertificateStoreContainers answers on older servers and, as documented,
// on 25 too. The first call on a Client asks /CertificateStoreContainers
// for one item; when that route answers 404, the Client uses /Applications
// from then on. (Telling an unknown id from a missing route needs that one
// probe: both answer 404.)
type ContainersService struct {
	c    *Client
	mu   sync.Mutex
	base string // "" until the first call has probed
}

// Container is a certificate store container.
type Container struct {
	ID                 int    `json:"Id"`
	Name               string `json:"Name"`
	CertStoreType      int    `json:"CertStoreType"`
	OverwriteSchedules bool   `json:"OverwriteSchedules"`
	StoreCount         int    `json:"StoreCount"`
	// Schedule is the inventory schedule: the text the list gives, or, from
	// Get, whose answer holds an object, that object as compact JSON.
	Schedule string `json:"Schedule,omitempty"`
}

// ListContainersOptions selects and orders the containers List returns.
type ListContainersOptions struct {
	// Query is a Keyfactor QueryString over CertStoreType, HasSchedule, Id
	// and Name; "" lists every container.
	Query string
	// PageSize is the ReturnLimit of each request: 0 means DefaultPageSize;
	// at most MaxPageSize.
	PageSize int
	// SortField orders the containers; "" is the server's default.
	SortField string
	// Descending reverses the order.
	Descending bool
}

// containerWire is a Container as both answers spell it: the list has
// StoreCount and a Schedule string; Get has CertificateStores and a
// Schedule object.
type containerWire struct {
	ID                 int               `json:"Id"`
	Name               string            `json:"Name"`
	CertStoreType      flexInt           `json:"CertStoreType"`
	OverwriteSchedules bool              `json:"OverwriteSchedules"`
	StoreCount         *int              `json:"StoreCount"`
	Schedule           flexSchedule      `json:"Schedule"`
	CertificateStores  []json.RawMessage `json:"CertificateStores"`
}

func (w *containerWire) container() Container {
	c := Container{ID: w.ID, Name: w.Name, CertStoreType: int(w.CertStoreType), OverwriteSchedules: w.OverwriteSchedules,
		StoreCount: len(w.CertificateStores), Schedule: string(w.Schedule)}
	if w.StoreCount != nil {
		c.StoreCount = *w.StoreCount
	}
	return c
}

// flexSchedule decodes a container's Schedule: a string as itself, an
// object as its compact JSON.
type flexSchedule string

func (f *flexSchedule) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexSchedule(s)
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*f = flexSchedule(buf.String())
	}
	return nil
}

// Paths of the two names Command serves containers under.
const (
	containersPath   = "CertificateStoreContainers"
	applicationsPath = "Applications"
)

// path returns the route this server serves containers at, probing once.
func (s *ContainersService) path(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock() // callers wait for one probe rather than each sending theirs
	if s.base != "" {
		return s.base, nil
	}
	probe := func(path string) error {
		q := pageQuery{PageReturned: 1, ReturnLimit: 1}
		var items []json.RawMessage
		return s.c.do(ctx, call{method: http.MethodGet, path: path, version: v1, query: q}, &items)
	}
	err := probe(containersPath)
	if errors.Is(err, ErrNotFound) {
		if err2 := probe(applicationsPath); err2 == nil {
			s.base = applicationsPath
			return s.base, nil
		}
	}
	if err != nil {
		return "", err
	}
	s.base = containersPath
	return s.base, nil
}

// List returns every container matching opts (GET
// /CertificateStoreContainers, or /Applications; API v1), page after page
// as the loop consumes them.
func (s *ContainersService) List(ctx context.Context, opts ListContainersOptions) iter.Seq2[Container, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	v := newValidator("Containers.List")
	checkPageSize(v, "PageSize", q.ReturnLimit)
	if err := v.err(); err != nil {
		return failed[Container](err) // before the probe: bad input sends nothing
	}
	return func(yield func(Container, error) bool) {
		base, err := s.path(ctx)
		if err != nil {
			yield(Container{}, err)
			return
		}
		for c, err := range listPlain(ctx, s.c, "Containers.List", base, q, func(w *containerWire) int { return w.ID }, (*containerWire).container) {
			if !yield(c, err) {
				return
			}
		}
	}
}

// Get returns a container (GET /CertificateStoreContainers/{id}, or
// /Applications/{id}; API v1). An unknown id gives an error matching
// ErrNotFound.
func (s *ContainersService) Get(ctx context.Context, id int) (*Container, error) {
	v := newValidator("Containers.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	base, err := s.path(ctx)
	if err != nil {
		return nil, err
	}
	var w containerWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: base + "/" + strconv.Itoa(id), version: v1}, &w); err != nil {
		return nil, err
	}
	c := w.container()
	return &c, nil
}

// GetByName returns the container named exactly name, found with
// QueryString `Name -eq "name"` and compared here. None gives an error
// matching ErrNotFound; several an error naming their ids.
func (s *ContainersService) GetByName(ctx context.Context, name string) (*Container, error) {
	v := newValidator("Containers.GetByName")
	v.notBlank("name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.getByName(ctx, "Containers.GetByName", name)
}

func (s *ContainersService) getByName(ctx context.Context, op, name string) (*Container, error) {
	opts := ListContainersOptions{Query: nameQuery(name), PageSize: MaxPageSize}
	return findNamed(s.List(ctx, opts), op, "container", name, "", func(c *Container) (int, string) { return c.ID, c.Name })
}
