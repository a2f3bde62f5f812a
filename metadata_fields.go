package keyfactor

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MetadataFieldsService manages the metadata fields certificates carry
// (API v1 /MetadataFields). Reach it as Client.MetadataFields.
type MetadataFieldsService struct{ c *Client }

// MetadataFieldType is what a metadata field holds.
type MetadataFieldType string

// The metadata field types (the wire's DataType 1 to 7).
const (
	MetadataString         MetadataFieldType = "String"
	MetadataInteger        MetadataFieldType = "Integer"
	MetadataDate           MetadataFieldType = "Date"
	MetadataBoolean        MetadataFieldType = "Boolean"
	MetadataMultipleChoice MetadataFieldType = "MultipleChoice"
	MetadataBigText        MetadataFieldType = "BigText"
	MetadataEmail          MetadataFieldType = "Email"
)

// metadataTypes is the wire's DataType number of each type.
var metadataTypes = []MetadataFieldType{1: MetadataString, 2: MetadataInteger, 3: MetadataDate, 4: MetadataBoolean,
	5: MetadataMultipleChoice, 6: MetadataBigText, 7: MetadataEmail}

// metadataEnrollment is the wire's Enrollment number of each setting.
var metadataEnrollment = []string{0: "Optional", 1: "Required", 2: "Hidden"}

// MetadataField is a metadata field.
type MetadataField struct {
	ID          int
	Name        string
	Description string
	DataType    MetadataFieldType
	Hint        string
	Validation  string // a regular expression values must match (String)
	Message     string // shown when Validation fails
	// Enrollment is "Optional", "Required" or "Hidden" at enrollment.
	Enrollment   string
	Options      []string // MultipleChoice's choices
	DefaultValue string
	DisplayOrder int
	// AllowAPI and ExplicitUpdate are deprecated by Keyfactor, kept as read.
	AllowAPI, ExplicitUpdate bool
}

// CreateMetadataFieldRequest is a metadata field to create; it is also the
// desired state Plan and Apply compare with.
type CreateMetadataFieldRequest struct {
	Name         string
	Description  string
	DataType     MetadataFieldType
	Hint         string
	Validation   string
	Message      string
	Enrollment   string // "" is Optional
	Options      []string
	DefaultValue string
	DisplayOrder int
}

// UpdateMetadataFieldRequest replaces a metadata field (a full replace).
type UpdateMetadataFieldRequest struct {
	ID int
	CreateMetadataFieldRequest
}

// MetadataFieldPlan is what Apply does, or would do, for one field.
type MetadataFieldPlan struct {
	Action  Action
	Current *MetadataField
	Changes []Change
}

// ListMetadataFieldsOptions selects and orders the fields List returns.
type ListMetadataFieldsOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

// metadataFieldWire is a field as Keyfactor spells it: DataType and
// Enrollment as numbers, Options one comma-separated string.
type metadataFieldWire struct {
	ID           int     `json:"Id,omitempty"`
	Name         string  `json:"Name"`
	Description  string  `json:"Description"`
	DataType     flexInt `json:"DataType"`
	Hint         string  `json:"Hint,omitempty"`
	Validation   string  `json:"Validation,omitempty"`
	Enrollment   flexInt `json:"Enrollment"`
	Message      string  `json:"Message,omitempty"`
	Options      string  `json:"Options,omitempty"`
	DefaultValue string  `json:"DefaultValue,omitempty"`
	DisplayOrder int     `json:"DisplayOrder"`
	AllowAPI     bool    `json:"AllowAPI,omitempty"`
	// ExplicitUpdate is read, never sent: Keyfactor deprecated it.
	ExplicitUpdate bool `json:"ExplicitUpdate,omitempty"`
}

// UnmarshalJSON reads DataType and Enrollment as numbers or names.
func (w *metadataFieldWire) UnmarshalJSON(b []byte) error {
	type fields metadataFieldWire
	x := struct {
		*fields
		DataType   json.RawMessage `json:"DataType"`
		Enrollment json.RawMessage `json:"Enrollment"`
	}{fields: (*fields)(w)}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	w.DataType = flexInt(enumIndex(x.DataType, func(i int) string { return string(metadataTypes[i]) }, len(metadataTypes)))
	w.Enrollment = flexInt(enumIndex(x.Enrollment, func(i int) string { return metadataEnrollment[i] }, len(metadataEnrollment)))
	return nil
}

// enumIndex reads a number, or a name among name(1..n-1) ignoring case.
func enumIndex(raw json.RawMessage, name func(int) string, n int) int {
	var num int
	if json.Unmarshal(raw, &num) == nil {
		return num
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		for i := range n {
			if strings.EqualFold(name(i), strings.ReplaceAll(s, " ", "")) {
				return i
			}
		}
		if k, err := strconv.Atoi(s); err == nil {
			return k
		}
	}
	return 0
}

func (w *metadataFieldWire) field() MetadataField {
	f := MetadataField{ID: w.ID, Name: w.Name, Description: w.Description, Hint: w.Hint, Validation: w.Validation,
		Message: w.Message, DefaultValue: w.DefaultValue, DisplayOrder: w.DisplayOrder, AllowAPI: w.AllowAPI,
		ExplicitUpdate: w.ExplicitUpdate, Enrollment: "Optional"}
	if i := int(w.DataType); i > 0 && i < len(metadataTypes) {
		f.DataType = metadataTypes[i]
	} else {
		f.DataType = MetadataFieldType(strconv.Itoa(i)) // a newer server's type, kept
	}
	if i := int(w.Enrollment); i >= 0 && i < len(metadataEnrollment) {
		f.Enrollment = metadataEnrollment[i]
	}
	for _, o := range strings.Split(w.Options, ",") {
		if o = strings.TrimSpace(o); o != "" {
			f.Options = append(f.Options, o)
		}
	}
	return f
}

func (r *CreateMetadataFieldRequest) wire() metadataFieldWire {
	w := metadataFieldWire{Name: r.Name, Description: r.Description, Hint: r.Hint, Validation: r.Validation, Message: r.Message,
		Options: strings.Join(r.Options, ","), DefaultValue: r.DefaultValue, DisplayOrder: r.DisplayOrder}
	w.DataType = flexInt(slices.Index(metadataTypes, r.DataType))
	w.Enrollment = flexInt(max(slices.Index(metadataEnrollment, r.enrollment()), 0))
	return w
}

func (r *CreateMetadataFieldRequest) enrollment() string {
	if r.Enrollment == "" {
		return "Optional"
	}
	return r.Enrollment
}

// MarshalJSON writes the wire form with numbers, as Keyfactor takes them.
func (w metadataFieldWire) MarshalJSON() ([]byte, error) {
	type fields metadataFieldWire
	return json.Marshal(struct {
		fields
		DataType   int `json:"DataType"`
		Enrollment int `json:"Enrollment"`
	}{fields(w), int(w.DataType), int(w.Enrollment)})
}

// check validates a field offline.
func (r *CreateMetadataFieldRequest) check(v *validator) {
	checkName(v, "Name", r.Name)
	if strings.ContainsAny(r.Name, " ,") {
		v.addf("Name", "%q holds a space or a comma: Keyfactor's field names do not", r.Name)
	}
	v.notBlank("Description", r.Description)
	if slices.Index(metadataTypes, r.DataType) <= 0 {
		v.addf("DataType", "%q is not a metadata field type (use the Metadata… constants)", r.DataType)
	}
	if !slices.Contains(metadataEnrollment, r.enrollment()) {
		v.addf("Enrollment", "%q is not Optional, Required or Hidden", r.Enrollment)
	}
	switch {
	case r.DataType == MetadataMultipleChoice && len(r.Options) == 0:
		v.add("Options", "a MultipleChoice field needs its choices")
	case r.DataType != MetadataMultipleChoice && len(r.Options) > 0:
		v.add("Options", "only a MultipleChoice field has choices")
	}
	for i, o := range r.Options {
		if strings.TrimSpace(o) == "" || strings.Contains(o, ",") {
			v.addf("Options["+strconv.Itoa(i)+"]", "%q: a choice is not blank and holds no comma (the wire joins them with commas)", o)
		}
	}
	if r.DefaultValue != "" {
		if p := valueProblem(&MetadataField{DataType: r.DataType, Options: r.Options}, r.DefaultValue); p != "" {
			v.add("DefaultValue", p)
		}
	}
	v.notNegative("DisplayOrder", r.DisplayOrder)
}

// Validate checks the field as Create, Plan and Apply do, offline.
func (r CreateMetadataFieldRequest) Validate() error {
	v := newValidator("CreateMetadataFieldRequest.Validate")
	r.check(v)
	return v.err()
}

// List returns every metadata field, page after page (GET /MetadataFields).
func (s *MetadataFieldsService) List(ctx context.Context, opts ListMetadataFieldsOptions) iter.Seq2[MetadataField, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "MetadataFields.List", "MetadataFields", q, func(w *metadataFieldWire) int { return w.ID },
		(*metadataFieldWire).field)
}

// Get returns a metadata field by id (GET /MetadataFields/{id}).
func (s *MetadataFieldsService) Get(ctx context.Context, id int) (*MetadataField, error) {
	v := newValidator("MetadataFields.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w metadataFieldWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "MetadataFields/" + strconv.Itoa(id), version: v1}, &w); err != nil {
		return nil, err
	}
	f := w.field()
	return &f, nil
}

// GetByName returns the field named exactly name, from the list (the
// server's GET /MetadataFields/{name} shares its path with the id form,
// so a numeric name would be read as an id). None is ErrNotFound.
func (s *MetadataFieldsService) GetByName(ctx context.Context, name string) (*MetadataField, error) {
	const op = "MetadataFields.GetByName"
	v := newValidator(op)
	v.notBlank("name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.getByName(ctx, op, name)
}

func (s *MetadataFieldsService) getByName(ctx context.Context, op, name string) (*MetadataField, error) {
	return findNamed(s.List(ctx, ListMetadataFieldsOptions{PageSize: MaxPageSize}), op, "metadata field", name, "",
		func(f *MetadataField) (int, string) { return f.ID, f.Name })
}

// Create creates a metadata field (POST /MetadataFields). A lost answer
// is reconciled, never sent twice: the field of that name is read, and
// returned when it is what was sent.
func (s *MetadataFieldsService) Create(ctx context.Context, req CreateMetadataFieldRequest) (*MetadataField, error) {
	return s.create(ctx, "MetadataFields.Create", req)
}

func (s *MetadataFieldsService) create(ctx context.Context, op string, req CreateMetadataFieldRequest) (*MetadataField, error) {
	v := newValidator(op)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	defer s.c.metadata.forget()
	return writeOnce(ctx, s.c, "metadata field", call{method: http.MethodPost, path: "MetadataFields", version: v1, body: req.wire()},
		func(w *metadataFieldWire) *MetadataField { f := w.field(); return &f },
		func() (*MetadataField, error) { return s.getByName(ctx, op, req.Name) },
		func(found *MetadataField) bool { return len(metadataFieldChanges(found, req)) == 0 })
}

// Update replaces a metadata field (PUT /MetadataFields, the id in the
// body). Its PUT is never sent twice once it may have reached the server:
// after a lost answer the field is read back, and returned when it holds
// what was sent (else the error matches ErrOutcomeUnknown).
func (s *MetadataFieldsService) Update(ctx context.Context, req UpdateMetadataFieldRequest) (*MetadataField, error) {
	const op = "MetadataFields.Update"
	v := newValidator(op)
	v.positive("ID", req.ID)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, op, req)
}

func (s *MetadataFieldsService) update(ctx context.Context, op string, req UpdateMetadataFieldRequest) (*MetadataField, error) {
	body := req.wire()
	body.ID = req.ID
	defer s.c.metadata.forget()
	return writeOnce(ctx, s.c, "metadata field",
		call{method: http.MethodPut, path: "MetadataFields", version: v1, body: body, repeat: notIdempotent},
		func(w *metadataFieldWire) *MetadataField { f := w.field(); return &f },
		func() (*MetadataField, error) { return s.Get(ctx, req.ID) },
		func(found *MetadataField) bool {
			return len(metadataFieldChanges(found, req.CreateMetadataFieldRequest)) == 0
		})
}

// Delete deletes a metadata field (DELETE /MetadataFields/{id}); a 404 on
// a retry after an attempt that may have deleted it is success. Command
// refuses to delete a field certificates use.
func (s *MetadataFieldsService) Delete(ctx context.Context, id int) error {
	v := newValidator("MetadataFields.Delete")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return err
	}
	defer s.c.metadata.forget()
	return s.c.deleteIdempotent(ctx, "MetadataFields/"+strconv.Itoa(id), nil, v1, "metadata field")
}

// Plan compares a desired field with the one of the same name (exactly)
// and says what Apply would do. It only reads.
func (s *MetadataFieldsService) Plan(ctx context.Context, desired CreateMetadataFieldRequest) (*MetadataFieldPlan, error) {
	return s.plan(ctx, "MetadataFields.Plan", desired)
}

func (s *MetadataFieldsService) plan(ctx context.Context, op string, desired CreateMetadataFieldRequest) (*MetadataFieldPlan, error) {
	v := newValidator(op)
	desired.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	action, current, changes, err := planNamed(func() (*MetadataField, error) { return s.getByName(ctx, op, desired.Name) },
		func(cur *MetadataField) []Change { return metadataFieldChanges(cur, desired) })
	if err != nil {
		return nil, err
	}
	return &MetadataFieldPlan{Action: action, Current: current, Changes: changes}, nil
}

// Apply makes the server hold the desired field: it plans, then creates,
// replaces or does nothing, and returns the plan and the field the server
// holds. A second Apply of the same field makes no write.
func (s *MetadataFieldsService) Apply(ctx context.Context, desired CreateMetadataFieldRequest) (*MetadataFieldPlan, *MetadataField, error) {
	const op = "MetadataFields.Apply"
	p, err := s.plan(ctx, op, desired)
	if err != nil {
		return nil, nil, err
	}
	f, err := applyPlanned(p.Action, p.Current,
		func() (*MetadataField, error) { return s.create(ctx, op, desired) },
		func(cur *MetadataField) (*MetadataField, error) {
			return s.update(ctx, op, UpdateMetadataFieldRequest{ID: cur.ID, CreateMetadataFieldRequest: desired})
		})
	return p, f, err
}

// metadataFieldChanges lists how a stored field differs from a desired one.
func metadataFieldChanges(cur *MetadataField, d CreateMetadataFieldRequest) []Change {
	var out []Change
	same := func(field string, old, new any) {
		if fmt.Sprint(old) != fmt.Sprint(new) {
			out = append(out, Change{Field: field, Old: old, New: new})
		}
	}
	same("Description", cur.Description, d.Description)
	same("DataType", cur.DataType, d.DataType)
	same("Hint", cur.Hint, d.Hint)
	same("Validation", cur.Validation, d.Validation)
	same("Message", cur.Message, d.Message)
	same("Enrollment", cur.Enrollment, d.enrollment())
	same("DefaultValue", cur.DefaultValue, d.DefaultValue)
	same("DisplayOrder", cur.DisplayOrder, d.DisplayOrder)
	if added, removed := setDiff(cur.Options, d.Options, func(o string) string { return o }, func(o string) string { return o }); len(added)+len(removed) > 0 {
		out = append(out, Change{Field: "Options", Added: added, Removed: removed})
	}
	return out
}
