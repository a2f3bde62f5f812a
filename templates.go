package keyfactor

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strconv"
)

// TemplatesService reads certificate templates (API v1 /Templates). Reach
// it as Client.Templates.
type TemplatesService struct{ c *Client }

// Template is a certificate template. CommonName is its short name, the
// one enrollment takes; DisplayName is what the portal shows.
type Template struct {
	ID          int    `json:"Id"`
	CommonName  string `json:"CommonName"`
	DisplayName string `json:"DisplayName"`
	Oid         string `json:"Oid"`
	// KeySize comes as a string on the wire ("2048"); 0 when the template
	// sets none.
	KeySize                int    `json:"KeySize"`
	KeyType                string `json:"KeyType"`
	RequiresApproval       bool   `json:"RequiresApproval"`
	AllowedEnrollmentTypes int    `json:"AllowedEnrollmentTypes"`
	ForestRoot             string `json:"ForestRoot"`
	ConfigurationTenant    string `json:"ConfigurationTenant"`
}

// UnmarshalJSON decodes a template as the server sends it: KeySize as a
// string, a number or null.
func (t *Template) UnmarshalJSON(b []byte) error {
	type fields Template
	w := struct {
		*fields
		KeySize flexInt    `json:"KeySize"`
		KeyType flexString `json:"KeyType"`
	}{fields: (*fields)(t)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	t.KeySize, t.KeyType = int(w.KeySize), string(w.KeyType)
	return nil
}

// ListTemplatesOptions selects and orders the templates List returns.
type ListTemplatesOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

// List returns every template, page after page (GET /Templates).
func (s *TemplatesService) List(ctx context.Context, opts ListTemplatesOptions) iter.Seq2[Template, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "Templates.List", "Templates", q, func(t *Template) int { return t.ID },
		func(t *Template) Template { return *t })
}

// Get returns a template (GET /Templates/{id}).
func (s *TemplatesService) Get(ctx context.Context, id int) (*Template, error) {
	v := newValidator("Templates.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var t Template
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Templates/" + strconv.Itoa(id), version: v1}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// GetByName returns the template whose short name (CommonName) is exactly
// shortName, reading the template list. None is an error matching
// ErrNotFound; when a template's display name is shortName, the error says
// so, since the two are easily taken for each other.
func (s *TemplatesService) GetByName(ctx context.Context, shortName string) (*Template, error) {
	const op = "Templates.GetByName"
	v := newValidator(op)
	v.notBlank("shortName", shortName)
	if err := v.err(); err != nil {
		return nil, err
	}
	var all []Template
	for t, err := range s.List(ctx, ListTemplatesOptions{PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		all = append(all, t)
	}
	found, err := findNamed(each(all), op, "template", shortName, "", func(t *Template) (int, string) { return t.ID, t.CommonName })
	if err == nil {
		return found, nil
	}
	for _, t := range all {
		if t.DisplayName == shortName {
			return nil, errorf("%s: no template's short name is %q; template %d (short name %q) has it as its display name: "+
				"enrollment takes the short name: %w", op, shortName, t.ID, t.CommonName, ErrNotFound)
		}
	}
	return nil, err
}
