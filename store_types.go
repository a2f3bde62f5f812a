package keyfactor

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
)

// StoreTypesService manages certificate store types (API v1
// /CertificateStoreTypes). Reach it as Client.StoreTypes.
type StoreTypesService struct{ c *Client }

// StoreType is a kind of certificate store an orchestrator serves.
type StoreType struct {
	ID                                     int
	Name, ShortName, Capability            string
	LocalStore, ServerRequired, PowerShell bool
	SupportedOperations                    StoreTypeOperations
	Properties, EntryParameters            []StoreTypeProperty
	PrivateKeyAllowed                      int
	StorePathType, StorePathValue          string
	PasswordOptions                        StoreTypePasswordOptions
}

// StoreTypePasswordOptions says how a store type takes passwords.
type StoreTypePasswordOptions struct {
	EntrySupported, StoreRequired bool
	Style                         string
}

// StoreTypeOperations are what a store type's orchestrator can do.
type StoreTypeOperations struct{ Add, Create, Discovery, Enrollment, Remove bool }

// StoreTypeProperty is a property (or an entry parameter) of a store type.
type StoreTypeProperty struct {
	Name, DisplayName, Type, DependsOn, DefaultValue string
	Required                                         bool
}

// ListStoreTypesOptions orders the store types List returns.
type ListStoreTypesOptions struct {
	PageSize   int
	SortField  string
	Descending bool
}

// CreateStoreTypeRequest is a store type to create.
type CreateStoreTypeRequest struct {
	Name, ShortName, Capability            string
	LocalStore, ServerRequired, PowerShell bool
	SupportedOperations                    StoreTypeOperations
	Properties, EntryParameters            []StoreTypeProperty
	PrivateKeyAllowed                      int
	StorePathType, StorePathValue          string
	PasswordOptions                        StoreTypePasswordOptions
}

// UpdateStoreTypeRequest replaces a store type (sent with its id as
// StoreType): a full replace, which Command restricts once stores use it.
type UpdateStoreTypeRequest struct {
	ID int
	CreateStoreTypeRequest
}

type storeTypePropertyWire struct {
	Name         string     `json:"Name"`
	DisplayName  string     `json:"DisplayName"`
	Type         flexString `json:"Type"`
	DependsOn    string     `json:"DependsOn"`
	DefaultValue string     `json:"DefaultValue"`
	Required     bool       `json:"Required"`
}

type storeTypeWire struct {
	StoreType           int                     `json:"StoreType,omitempty"`
	Name                string                  `json:"Name"`
	ShortName           string                  `json:"ShortName"`
	Capability          string                  `json:"Capability,omitempty"`
	LocalStore          bool                    `json:"LocalStore"`
	SupportedOperations StoreTypeOperations     `json:"SupportedOperations"`
	Properties          []storeTypePropertyWire `json:"Properties"`
	EntryParameters     []storeTypePropertyWire `json:"EntryParameters"`
	PasswordOptions     struct {
		EntrySupported bool       `json:"EntrySupported"`
		StoreRequired  bool       `json:"StoreRequired"`
		Style          flexString `json:"Style"`
	} `json:"PasswordOptions"`
	StorePathType     string `json:"StorePathType,omitempty"`
	StorePathValue    string `json:"StorePathValue,omitempty"`
	PrivateKeyAllowed int    `json:"PrivateKeyAllowed"`
	ServerRequired    bool   `json:"ServerRequired"`
	PowerShell        bool   `json:"PowerShell"`
}

func props(ws []storeTypePropertyWire) []StoreTypeProperty {
	out := make([]StoreTypeProperty, len(ws))
	for i, w := range ws {
		out[i] = StoreTypeProperty{Name: w.Name, DisplayName: w.DisplayName, Type: string(w.Type), DependsOn: w.DependsOn,
			DefaultValue: w.DefaultValue, Required: w.Required}
	}
	return out
}

func propsWire(ps []StoreTypeProperty) []storeTypePropertyWire {
	out := make([]storeTypePropertyWire, len(ps))
	for i, p := range ps {
		out[i] = storeTypePropertyWire{Name: p.Name, DisplayName: p.DisplayName, Type: flexString(p.Type), DependsOn: p.DependsOn,
			DefaultValue: p.DefaultValue, Required: p.Required}
	}
	return out
}

func (w *storeTypeWire) storeType() StoreType {
	return StoreType{ID: w.StoreType, Name: w.Name, ShortName: w.ShortName, Capability: w.Capability, LocalStore: w.LocalStore,
		ServerRequired: w.ServerRequired, PowerShell: w.PowerShell, SupportedOperations: w.SupportedOperations,
		Properties: props(w.Properties), EntryParameters: props(w.EntryParameters), PrivateKeyAllowed: w.PrivateKeyAllowed,
		StorePathType: w.StorePathType, StorePathValue: w.StorePathValue,
		PasswordOptions: StoreTypePasswordOptions{EntrySupported: w.PasswordOptions.EntrySupported,
			StoreRequired: w.PasswordOptions.StoreRequired, Style: string(w.PasswordOptions.Style)}}
}

func (r *CreateStoreTypeRequest) wire() storeTypeWire {
	w := storeTypeWire{Name: r.Name, ShortName: r.ShortName, Capability: r.Capability, LocalStore: r.LocalStore,
		SupportedOperations: r.SupportedOperations, Properties: propsWire(r.Properties), EntryParameters: propsWire(r.EntryParameters),
		StorePathType: r.StorePathType, StorePathValue: r.StorePathValue, PrivateKeyAllowed: r.PrivateKeyAllowed,
		ServerRequired: r.ServerRequired, PowerShell: r.PowerShell}
	w.PasswordOptions.EntrySupported, w.PasswordOptions.StoreRequired = r.PasswordOptions.EntrySupported, r.PasswordOptions.StoreRequired
	w.PasswordOptions.Style = flexString(r.PasswordOptions.Style)
	return w
}

func (r *CreateStoreTypeRequest) check(v *validator) {
	v.notBlank("Name", r.Name)
	v.notBlank("ShortName", r.ShortName)
	for i, p := range r.Properties {
		v.notBlank("Properties["+strconv.Itoa(i)+"].Name", p.Name)
	}
	for i, p := range r.EntryParameters {
		v.notBlank("EntryParameters["+strconv.Itoa(i)+"].Name", p.Name)
	}
}

// List returns every store type, page after page.
func (s *StoreTypesService) List(ctx context.Context, opts ListStoreTypesOptions) iter.Seq2[StoreType, error] {
	q := newPageQuery("", opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "StoreTypes.List", "CertificateStoreTypes", q, func(w *storeTypeWire) int { return w.StoreType },
		(*storeTypeWire).storeType)
}

// Get returns a store type by id.
func (s *StoreTypesService) Get(ctx context.Context, id int) (*StoreType, error) {
	v := newValidator("StoreTypes.Get")
	v.notNegative("id", id) // built-in types start at 0 (Java keystore)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w storeTypeWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "CertificateStoreTypes/" + strconv.Itoa(id), version: v1}, &w); err != nil {
		return nil, err
	}
	st := w.storeType()
	return &st, nil
}

// GetByName returns the store type of a short name (GET
// /CertificateStoreTypes/Name/{name}, which answers an array): none is
// ErrNotFound, several an error naming their ids.
func (s *StoreTypesService) GetByName(ctx context.Context, shortName string) (*StoreType, error) {
	const op = "StoreTypes.GetByName"
	v := newValidator(op)
	v.notBlank("shortName", shortName)
	if err := v.err(); err != nil {
		return nil, err
	}
	var ws []storeTypeWire
	err := s.c.do(ctx, call{method: http.MethodGet, path: "CertificateStoreTypes/Name/" + url.PathEscape(shortName), version: v1}, &ws)
	if err != nil {
		return nil, err
	}
	types := make([]StoreType, len(ws))
	for i := range ws {
		types[i] = ws[i].storeType()
	}
	return findNamed(each(types), op, "store type", shortName, "", func(t *StoreType) (int, string) { return t.ID, t.ShortName })
}

// Create creates a store type; a lost answer is reconciled by short name.
func (s *StoreTypesService) Create(ctx context.Context, req CreateStoreTypeRequest) (*StoreType, error) {
	const op = "StoreTypes.Create"
	v := newValidator(op)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return writeOnce(ctx, s.c, "store type", call{method: http.MethodPost, path: "CertificateStoreTypes", version: v1, body: req.wire()},
		func(w *storeTypeWire) *StoreType { st := w.storeType(); return &st },
		func() (*StoreType, error) { return s.GetByName(ctx, req.ShortName) },
		func(found *StoreType) bool { return found.Name == req.Name })
}

// Update replaces a store type (PUT /CertificateStoreTypes). Its PUT is
// never sent twice once it may have reached the server (a second one
// could undo another writer's change in between): the type is read back
// instead, and returned when it holds what was sent.
func (s *StoreTypesService) Update(ctx context.Context, req UpdateStoreTypeRequest) (*StoreType, error) {
	v := newValidator("StoreTypes.Update")
	v.notNegative("ID", req.ID)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	sent := struct {
		StoreType int `json:"StoreType"` // sent even for type 0, which the embedded field would omit
		storeTypeWire
	}{req.ID, req.wire()}
	sent.storeTypeWire.StoreType = req.ID
	want := sent.storeTypeWire.storeType()
	return writeOnce(ctx, s.c, "store type", call{method: http.MethodPut, path: "CertificateStoreTypes", version: v1, body: sent,
		repeat: notIdempotent},
		func(w *storeTypeWire) *StoreType { st := w.storeType(); return &st },
		func() (*StoreType, error) { return s.Get(ctx, req.ID) },
		func(found *StoreType) bool { return sameStoreType(*found, want) })
}

// sameStoreType compares two store types field by field, an empty list
// and none alike (a server may answer either).
func sameStoreType(a, b StoreType) bool {
	for _, t := range []*StoreType{&a, &b} {
		t.Properties = slices.Clip(append([]StoreTypeProperty{}, t.Properties...))
		t.EntryParameters = slices.Clip(append([]StoreTypeProperty{}, t.EntryParameters...))
	}
	return reflect.DeepEqual(a, b)
}

// Delete deletes a store type; a 404 after a lost answer is success.
func (s *StoreTypesService) Delete(ctx context.Context, id int) error {
	v := newValidator("StoreTypes.Delete")
	v.notNegative("id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.deleteIdempotent(ctx, "CertificateStoreTypes/"+strconv.Itoa(id), nil, v1, "store type")
}
