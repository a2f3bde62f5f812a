package keyfactor

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"time"
)

// ListHistoryOptions orders a certificate's history and says which
// permissions authorize reading it.
type ListHistoryOptions struct {
	PageSize   int
	SortField  string
	Descending bool
	Scope      OwnerScope
}

// HistoryEntry is one thing that happened to a certificate.
type HistoryEntry struct {
	ID                           int64      `json:"Id"`
	OperationStart, OperationEnd *time.Time `json:"-"`
	Username, Comment, Action    string
}

// historyWire is a history entry as the server sends it: times perhaps
// without a zone offset, perhaps null.
type historyWire struct {
	ID             int64    `json:"Id"`
	OperationStart wireTime `json:"OperationStart"`
	OperationEnd   wireTime `json:"OperationEnd"`
	Username       string   `json:"Username"`
	Comment        string   `json:"Comment"`
	Action         string   `json:"Action"`
}

func (w *historyWire) entry() HistoryEntry {
	e := HistoryEntry{ID: w.ID, Username: w.Username, Comment: w.Comment, Action: w.Action}
	if !w.OperationStart.t.IsZero() {
		e.OperationStart = &w.OperationStart.t
	}
	if !w.OperationEnd.t.IsZero() {
		e.OperationEnd = &w.OperationEnd.t
	}
	return e
}

type historyQuery struct {
	pageQuery
	CollectionID int `url:"collectionId,omitempty"`
	ContainerID  int `url:"containerId,omitempty"`
}

// History returns everything that happened to a certificate, page after
// page (GET /Certificates/{id}/History, API v1).
func (s *CertificatesService) History(ctx context.Context, id int, opts ListHistoryOptions) iter.Seq2[HistoryEntry, error] {
	v := newValidator("Certificates.History")
	v.positive("id", id)
	checkPageSize(v, "PageSize", opts.PageSize)
	opts.Scope.check(v)
	if err := v.err(); err != nil {
		return failed[HistoryEntry](err)
	}
	newCall := func() (call, *pageQuery) {
		q := &historyQuery{pageQuery: newPageQuery("", opts.PageSize, opts.SortField, opts.Descending),
			CollectionID: opts.Scope.CollectionID, ContainerID: opts.Scope.ContainerID}
		return call{method: http.MethodGet, path: "Certificates/" + strconv.Itoa(id) + "/History", version: v1, query: q}, &q.pageQuery
	}
	return paginate(ctx, s.c, newCall, func(w *historyWire) int64 { return w.ID }, (*historyWire).entry)
}

// ChainValidation is whether Command can build a certificate's chain, with
// its findings.
type ChainValidation struct {
	Valid   bool              `json:"Valid"`
	Results map[string]string `json:"Results"`
}

// Validate asks Command whether a certificate's chain can be built (GET
// /Certificates/{id}/Validate, API v1).
func (s *CertificatesService) Validate(ctx context.Context, id int, scope OwnerScope) (*ChainValidation, error) {
	v := newValidator("Certificates.Validate")
	v.positive("id", id)
	scope.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out ChainValidation
	err := s.c.do(ctx, call{method: http.MethodGet, path: "Certificates/" + strconv.Itoa(id) + "/Validate", version: v1,
		query: scope.retrieval()}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Locations returns the certificate stores holding a certificate (GET
// /Certificates/Locations/{id}, API v1), every store type's together.
func (s *CertificatesService) Locations(ctx context.Context, id int) ([]CertificateLocation, error) {
	v := newValidator("Certificates.Locations")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var ans struct {
		Details []struct {
			StoreTypeID int `json:"StoreTypeId"`
			Locations   []struct {
				StoreID       string `json:"StoreId"`
				StoreTypeID   int    `json:"StoreTypeId"`
				ClientMachine string `json:"ClientMachine"`
				StorePath     string `json:"StorePath"`
				Alias         string `json:"Alias"`
			} `json:"Locations"`
		} `json:"Details"`
	}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Certificates/Locations/" + strconv.Itoa(id), version: v1}, &ans); err != nil {
		return nil, err
	}
	out := []CertificateLocation{}
	for _, d := range ans.Details {
		for _, l := range d.Locations {
			out = append(out, CertificateLocation{StoreMachine: l.ClientMachine, StorePath: l.StorePath,
				StoreType: max(l.StoreTypeID, d.StoreTypeID), Alias: l.Alias, CertStoreID: l.StoreID})
		}
	}
	return out, nil
}

// Delete deletes a certificate and the private key Command holds for it
// (DELETE /Certificates/{id}, API v1). It is retried like a GET; a 404 on
// a retry after an attempt that may have deleted it is success, a 404 on
// the first attempt an error matching ErrNotFound. There is no bulk delete
// by query: Command answers 204 even when some deletions fail.
func (s *CertificatesService) Delete(ctx context.Context, id int, scope OwnerScope) error {
	v := newValidator("Certificates.Delete")
	v.positive("id", id)
	scope.check(v)
	if err := v.err(); err != nil {
		return err
	}
	q := &struct {
		CollectionID int `url:"collectionId,omitempty"`
	}{scope.CollectionID}
	return s.c.deleteIdempotent(ctx, "Certificates/"+strconv.Itoa(id), q, v1, "certificate")
}
