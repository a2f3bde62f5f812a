package keyfactor

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"time"
)

// CollectionsService manages certificate collections (API v1
// /CertificateCollections): saved certificate queries, whose ids scope
// permissions (/certificates/collections/read/5/) and owner changes.
// Reach it as Client.Collections.
type CollectionsService struct{ c *Client }

// Collection is a certificate collection.
//
// Query is the collection's query as written; Keyfactor returns it only
// from Create, Update and Copy. Reads (Get, GetByName, List) never return
// it, only Content, the server's normalized form: keep the query where you
// wrote it, and carry it over yourself into an Update.
type Collection struct {
	ID               int    `json:"Id"`
	Name             string `json:"Name"`
	Description      string `json:"Description"`
	Query            string `json:"Query,omitempty"`
	Content          string `json:"Content,omitempty"`
	DuplicationField int    `json:"DuplicationField"` // 0 none, 1 common name, 2 distinguished name, 3 principal name
	ShowOnDashboard  bool   `json:"ShowOnDashboard"`
	Favorite         bool   `json:"Favorite"`
	Automated        bool   `json:"Automated"`
	// EstimatedCertCount and LastEstimated are the server's last count of
	// the collection's certificates, and when it was made (nil: never).
	EstimatedCertCount int        `json:"EstimatedCertCount"`
	LastEstimated      *time.Time `json:"LastEstimated,omitempty"`
}

// ListCollectionsOptions selects and orders the collections List returns.
type ListCollectionsOptions struct {
	// Query is a Keyfactor QueryString over Name, Query and Favorite, such
	// as `Name -startswith "Web"`; "" lists every collection.
	Query string
	// PageSize is the ReturnLimit of each request: 0 means DefaultPageSize;
	// at most MaxPageSize.
	PageSize int
	// SortField orders the collections; "" is the server's default.
	SortField string
	// Descending reverses the order.
	Descending bool
}

// CreateCollectionRequest is the body of a collection create. Name is
// required; Query is a certificate query (`TemplateName -eq "WebServer"`).
type CreateCollectionRequest struct {
	Name, Description, Query string
	DuplicationField         int
	ShowOnDashboard          bool
	Favorite                 bool
}

// UpdateCollectionRequest replaces a collection: every field is sent, and
// an empty Description or Query clears it on the server. Reads never
// return Query, so carry it over from where it was written (a Create's or
// Update's answer, or your own configuration); Content, what reads do
// return, is the server's normalized form, not a query to send back.
type UpdateCollectionRequest struct {
	ID                       int
	Name, Description, Query string
	DuplicationField         int
	ShowOnDashboard          bool
	Favorite                 bool
}

// CopyCollectionRequest copies a collection with its permissions: the new
// collection takes the source's query and description unless Query or
// Description is set.
type CopyCollectionRequest struct {
	CopyFromID               int
	Name, Description, Query string
}

// collectionWire is a Collection as responses spell it:
// DuplicationField may come as text, LastEstimated without an offset.
type collectionWire struct {
	ID                 int      `json:"Id"`
	Name               string   `json:"Name"`
	Description        string   `json:"Description"`
	Query              string   `json:"Query"`
	Content            string   `json:"Content"`
	DuplicationField   flexInt  `json:"DuplicationField"`
	ShowOnDashboard    bool     `json:"ShowOnDashboard"`
	Favorite           bool     `json:"Favorite"`
	Automated          bool     `json:"Automated"`
	EstimatedCertCount int      `json:"EstimatedCertCount"`
	LastEstimated      wireTime `json:"LastEstimated"`
}

func (w *collectionWire) collection() Collection {
	c := Collection{ID: w.ID, Name: w.Name, Description: w.Description, Query: w.Query, Content: w.Content,
		DuplicationField: int(w.DuplicationField), ShowOnDashboard: w.ShowOnDashboard, Favorite: w.Favorite,
		Automated: w.Automated, EstimatedCertCount: w.EstimatedCertCount}
	if !w.LastEstimated.t.IsZero() {
		t := w.LastEstimated.t
		c.LastEstimated = &t
	}
	return c
}

// collectionCreateWire is the body of POST /CertificateCollections.
type collectionCreateWire struct {
	Name             string `json:"Name"`
	Description      string `json:"Description,omitempty"`
	Query            string `json:"Query,omitempty"`
	DuplicationField int    `json:"DuplicationField"`
	ShowOnDashboard  bool   `json:"ShowOnDashboard"`
	Favorite         bool   `json:"Favorite"`
}

// collectionUpdateWire is the body of PUT /CertificateCollections: the
// whole collection, nothing omitted.
type collectionUpdateWire struct {
	ID               int    `json:"Id"`
	Name             string `json:"Name"`
	Description      string `json:"Description"`
	Query            string `json:"Query"`
	DuplicationField int    `json:"DuplicationField"`
	ShowOnDashboard  bool   `json:"ShowOnDashboard"`
	Favorite         bool   `json:"Favorite"`
}

// collectionCopyWire is the body of POST /CertificateCollections/Copy.
type collectionCopyWire struct {
	CopyFromID  int    `json:"CopyFromId"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	Query       string `json:"Query,omitempty"`
}

func collectionPath(id int) string { return "CertificateCollections/" + strconv.Itoa(id) }

// List returns every collection matching opts (GET /CertificateCollections,
// API v1), page after page as the loop consumes them.
func (s *CollectionsService) List(ctx context.Context, opts ListCollectionsOptions) iter.Seq2[Collection, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "Collections.List", "CertificateCollections", q, func(w *collectionWire) int { return w.ID }, (*collectionWire).collection)
}

// Get returns a collection (GET /CertificateCollections/{id}, API v1),
// without its Query (see Collection).
func (s *CollectionsService) Get(ctx context.Context, id int) (*Collection, error) {
	v := newValidator("Collections.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w collectionWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: collectionPath(id), version: v1}, &w); err != nil {
		return nil, err
	}
	c := w.collection()
	return &c, nil
}

// GetByName returns the collection named exactly name, found with
// QueryString `Name -eq "name"` and compared here (never through GET
// /CertificateCollections/{name}, whose route a name such as "123" or
// "Copy" would confuse). None gives an error matching ErrNotFound; several
// an error naming their ids.
func (s *CollectionsService) GetByName(ctx context.Context, name string) (*Collection, error) {
	v := newValidator("Collections.GetByName")
	v.notBlank("name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.getByName(ctx, "Collections.GetByName", name)
}

func (s *CollectionsService) getByName(ctx context.Context, op, name string) (*Collection, error) {
	opts := ListCollectionsOptions{Query: nameQuery(name), PageSize: MaxPageSize}
	return findNamed(s.List(ctx, opts), op, "collection", name, "", func(c *Collection) (int, string) { return c.ID, c.Name })
}

// Create creates a collection (POST /CertificateCollections, API v1); the
// answer carries its Query. When the answer is lost, Create looks the
// collection up by name and returns it when it holds the requested
// description and settings (its query cannot be read back), as
// Roles.Create does: it never creates a second collection.
func (s *CollectionsService) Create(ctx context.Context, req CreateCollectionRequest) (*Collection, error) {
	v := newValidator("Collections.Create")
	checkCollection(v, req.Name, req.DuplicationField)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.post(ctx, "Collections.Create", "CertificateCollections", collectionCreateWire(req), req.Name, func(c *Collection) bool {
		return c.Description == req.Description && c.DuplicationField == req.DuplicationField &&
			c.ShowOnDashboard == req.ShowOnDashboard && c.Favorite == req.Favorite
	})
}

// Copy copies a collection with its permissions (POST
// /CertificateCollections/Copy, API v1), reconciled as Create is after a
// lost answer.
func (s *CollectionsService) Copy(ctx context.Context, req CopyCollectionRequest) (*Collection, error) {
	v := newValidator("Collections.Copy")
	v.positive("CopyFromID", req.CopyFromID)
	checkCollection(v, req.Name, 0)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.post(ctx, "Collections.Copy", "CertificateCollections/Copy", collectionCopyWire(req), req.Name, func(c *Collection) bool {
		return req.Description == "" || c.Description == req.Description
	})
}

// post sends a create or copy and recovers a lost answer by name.
func (s *CollectionsService) post(ctx context.Context, op, path string, body any, name string, same func(*Collection) bool) (*Collection, error) {
	return writeOnce(ctx, s.c, "collection", call{method: http.MethodPost, path: path, version: v1, body: body},
		func(w *collectionWire) *Collection { c := w.collection(); return &c },
		func() (*Collection, error) { return s.getByName(ctx, op, name) }, same)
}

// Update replaces a collection (PUT /CertificateCollections, API v1, the id
// in the body): see UpdateCollectionRequest for what must be carried over.
// It is idempotent and retried like a GET. Command refuses to edit a
// collection that a "certificate entered or left a collection" workflow
// names.
func (s *CollectionsService) Update(ctx context.Context, req UpdateCollectionRequest) (*Collection, error) {
	v := newValidator("Collections.Update")
	v.positive("ID", req.ID)
	checkCollection(v, req.Name, req.DuplicationField)
	if err := v.err(); err != nil {
		return nil, err
	}
	body := collectionUpdateWire(req)
	var w collectionWire
	if err := s.c.do(ctx, call{method: http.MethodPut, path: "CertificateCollections", version: v1, body: body}, &w); err != nil {
		return nil, err
	}
	c := w.collection()
	return &c, nil
}

// Delete deletes a collection (DELETE /CertificateCollections/{id}, API
// v1). A 404 on a retry after an attempt that may have deleted it returns
// nil; on the first attempt it gives an error matching ErrNotFound.
func (s *CollectionsService) Delete(ctx context.Context, id int) error {
	v := newValidator("Collections.Delete")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.deleteIdempotent(ctx, collectionPath(id), nil, v1, "collection")
}

func checkCollection(v *validator, name string, duplication int) {
	v.notBlank("Name", name)
	if duplication < 0 || duplication > 4 {
		v.addf("DuplicationField", "must be 0 (none) to 4, got %d", duplication)
	}
}
