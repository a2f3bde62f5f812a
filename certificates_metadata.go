package keyfactor

import (
	"context"
	"maps"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SetMetadata sets metadata fields of a certificate (PUT
// /Certificates/Metadata, API v1) and changes only the fields values
// names: it reads the certificate's metadata and sends the whole set with
// values merged in, so the fields a caller did not name survive whether
// the server replaces the set or merges into it. (A field another writer
// changes between the read and the write is overwritten with what was
// read.) An empty value clears a field.
//
// Each value is checked against its field before sending — its type
// (Integer, Boolean "true"/"false", Date as YYYY-MM-DD or RFC 3339, Email,
// MultipleChoice among its options, a String's Validation pattern) and a
// Required field left empty — from one read of /MetadataFields per Client,
// read again once when a name is unknown; a name still unknown is refused.
// The PUT sends the whole set, so sending it twice is sending it once: it
// is retried like a GET.
func (s *CertificatesService) SetMetadata(ctx context.Context, id int, values map[string]string, scope OwnerScope) error {
	const op = "Certificates.SetMetadata"
	v := newValidator(op)
	v.positive("id", id)
	scope.check(v)
	if len(values) == 0 {
		v.add("values", "names no field to set")
	}
	if err := v.err(); err != nil {
		return err
	}
	if err := s.c.metadata.check(ctx, s.c, op, values); err != nil {
		return err
	}
	cert, err := s.Get(ctx, id, GetCertificateOptions{CollectionID: scope.CollectionID, IncludeMetadata: true})
	if err != nil {
		return err
	}
	all := maps.Clone(cert.Metadata)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, values)
	body := struct {
		ID       int               `json:"Id"`
		Metadata map[string]string `json:"Metadata"`
	}{id, all}
	return s.c.do(ctx, call{method: http.MethodPut, path: "Certificates/Metadata", version: v1, query: scope.retrieval(), body: body}, nil)
}

// SetMetadataByQuery sets fields on every certificate a Keyfactor query
// matches (PUT /Certificates/Metadata/All, API v1); overwrite says whether
// a field that already has a value takes the new one. Values are checked
// as SetMetadata checks them. A blank query is refused: it would touch
// every certificate. Command does not say which certificates it changed.
func (s *CertificatesService) SetMetadataByQuery(ctx context.Context, query string, values map[string]string, overwrite bool) error {
	const op = "Certificates.SetMetadataByQuery"
	v := newValidator(op)
	if strings.TrimSpace(query) == "" {
		v.add("query", "must not be blank: a blank query matches every certificate")
	}
	if len(values) == 0 {
		v.add("values", "names no field to set")
	}
	if err := v.err(); err != nil {
		return err
	}
	if err := s.c.metadata.check(ctx, s.c, op, values); err != nil {
		return err
	}
	type item struct {
		MetadataName      string `json:"MetadataName"`
		Value             string `json:"Value"`
		OverwriteExisting bool   `json:"OverwriteExisting"`
	}
	body := struct {
		Query    string `json:"Query"`
		Metadata []item `json:"Metadata"`
	}{Query: query}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		body.Metadata = append(body.Metadata, item{name, values[name], overwrite})
	}
	return s.c.do(ctx, call{method: http.MethodPut, path: "Certificates/Metadata/All", version: v1, body: body}, nil)
}

// metadataCache holds a Client's one read of /MetadataFields.
type metadataCache struct {
	mu     sync.Mutex
	fields map[string]*MetadataField // nil: not read yet
}

// forget drops the cache: a field was created, changed or deleted.
func (m *metadataCache) forget() {
	m.mu.Lock()
	m.fields = nil
	m.mu.Unlock()
}

// check validates values against their fields, reading the fields once,
// and once more when a name is unknown.
func (m *metadataCache) check(ctx context.Context, c *Client, op string, values map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if m.fields == nil {
			fields := map[string]*MetadataField{}
			for f, err := range c.MetadataFields.List(ctx, ListMetadataFieldsOptions{PageSize: MaxPageSize}) {
				if err != nil {
					return errorf("%s: reading the metadata fields to check the values: %w", op, err)
				}
				fields[f.Name] = &f
			}
			m.fields = fields
		}
		unknown := false
		for name := range values {
			if m.fields[name] == nil {
				unknown = true
			}
		}
		if !unknown || attempt > 0 {
			break
		}
		m.fields = nil // a field made since the read: read again, once
	}
	v := newValidator(op)
	for _, name := range slices.Sorted(maps.Keys(values)) {
		f := m.fields[name]
		field := "values[" + strconv.Quote(name) + "]"
		switch {
		case f == nil:
			v.addf(field, "no metadata field is named %q", name)
		case values[name] == "" && f.Enrollment == "Required":
			v.add(field, "the field is required: it cannot be cleared")
		case values[name] != "":
			if p := valueProblem(f, values[name]); p != "" {
				v.add(field, p)
			}
		}
	}
	return v.err()
}

// valueProblem says why value does not fit field f, or "".
func valueProblem(f *MetadataField, value string) string {
	switch f.DataType {
	case MetadataInteger:
		if _, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err != nil {
			return strconv.Quote(value) + " is not a whole number (an Integer field)"
		}
	case MetadataBoolean:
		if value != "true" && value != "false" {
			return strconv.Quote(value) + ` is not "true" or "false" (a Boolean field)`
		}
	case MetadataDate:
		if _, err := time.Parse("2006-01-02", value); err != nil {
			if _, err := time.Parse(time.RFC3339, value); err != nil {
				return strconv.Quote(value) + " is not a date (YYYY-MM-DD or RFC 3339)"
			}
		}
	case MetadataEmail:
		if a, err := mail.ParseAddress(value); err != nil || a.Address != value {
			return strconv.Quote(value) + " is not an email address"
		}
	case MetadataMultipleChoice:
		if !slices.Contains(f.Options, value) {
			return strconv.Quote(value) + " is not one of the field's choices: " + strings.Join(f.Options, ", ")
		}
	case MetadataString:
		if f.Validation != "" {
			re, err := regexp.Compile(f.Validation)
			if err == nil && !re.MatchString(value) {
				msg := f.Message
				if msg == "" {
					msg = "it does not match the field's pattern " + f.Validation
				}
				return strconv.Quote(value) + ": " + msg
			}
		}
	}
	return ""
}
