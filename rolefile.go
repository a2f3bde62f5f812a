package keyfactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Files a person writes — role definitions, request bodies — are read more
// strictly than server answers: a typo must not silently drop a setting,
// and a key written twice must not let the second, unseen one win.

// DecodeStrict decodes data, one JSON value, into v, refusing what a
// careless edit leaves behind: a key v has no field for (at any depth), the
// same key twice in one object — in any case, since encoding/json matches
// keys case-insensitively and would let a hidden "permissions" override
// "Permissions" — and anything after the value. Errors name the line and
// column.
func DecodeStrict(data []byte, v any) error {
	if err := checkDuplicateKeys(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("%s: %w", position(data, syn.Offset), err)
		case errors.As(err, &typ):
			return fmt.Errorf("%s: %w", position(data, typ.Offset), err)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the JSON value", position(data, dec.InputOffset()))
	}
	return nil
}

// checkDuplicateKeys walks data's tokens and reports the first object that
// holds a key twice, compared ignoring case.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]int64 // lower-case key → where it was first seen
		expect bool             // the next token of an object is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // a syntax error is reported by the decoder proper
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if key, ok := tok.(string); ok {
				at := dec.InputOffset()
				lower := strings.ToLower(key)
				if first, dup := top.keys[lower]; dup {
					return fmt.Errorf("%s: the key %q appears twice in one object (also at %s); keys are matched ignoring case",
						position(data, at), key, position(data, first))
				}
				top.keys[lower] = at
				top.expect = false
				continue
			}
		}
		if top != nil && top.object && !top.expect {
			top.expect = true // this token (or the value it opens) is the value
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, keys: map[string]int64{}, expect: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expect = true
			}
		}
	}
}

// position renders a byte offset of data as "line L, column C".
func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return "line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col)
}

// roleFileEntry is one role of a role file: the create body, plus the
// read-only fields of a role read from the server (what Roles.Get returns
// and `keyfactor role get` prints), accepted so that an exported role reads
// back, and ignored.
type roleFileEntry struct {
	CreateRoleRequest
	ID        *int  `json:"Id"`
	Immutable *bool `json:"Immutable"`
}

// DecodeRoles reads a role file: one role object or an array of them, in
// the body form of POST /Security/Roles with Keyfactor's key names (Name,
// Description, EmailAddress, PermissionSetId, Permissions, Claims), decoded
// with DecodeStrict. A role as the server returns it reads too: its Id and
// Immutable, and a claim's Id and Provider, are accepted and dropped (a
// claim's scheme is taken from its Provider when it has no
// ProviderAuthenticationScheme).
//
// A key left out of a role is nil in the result: for Plan and Apply a nil
// Permissions or Claims is not managed, while "Permissions": [] means none.
// DecodeRoles does not validate the roles; call Validate on each.
func DecodeRoles(data []byte) ([]CreateRoleRequest, error) {
	var entries []roleFileEntry
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := DecodeStrict(data, &entries); err != nil {
			return nil, err
		}
	} else {
		entries = make([]roleFileEntry, 1)
		if err := DecodeStrict(data, &entries[0]); err != nil {
			return nil, err
		}
	}
	roles := make([]CreateRoleRequest, len(entries))
	for i, e := range entries {
		r := e.CreateRoleRequest
		if r.Claims != nil {
			r.Claims = requestClaims(r.Claims)
		}
		roles[i] = r
	}
	return roles, nil
}

// Validate checks the role as Plan, Apply and Sync do before sending
// anything, without a server: it returns a *ValidationError naming every
// bad field, or nil. Use it to check role files offline, or every role of
// a batch before the first write. A collection or container named in a
// permission (see Roles.Sync) passes: only a server can resolve it.
func (r CreateRoleRequest) Validate() error {
	v := newValidator("CreateRoleRequest.Validate")
	checkDefinition(v, r, false, true)
	return v.err()
}
