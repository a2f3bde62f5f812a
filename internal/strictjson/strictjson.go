// Package strictjson decodes JSON a person wrote — role files, request
// bodies given to the CLI — more strictly than encoding/json decodes a
// server's answer: a typo must not silently drop a setting, and a key
// written twice must not let the second, unseen one win. Errors name the
// line and column, and the JSON keys rather than Go types.
//
// It is internal: the SDK's file readers (keyfactor.DecodeRoles), the CLI
// and the examples share it; it is no user's API.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Decode decodes data, one JSON value, into v, refusing what a careless
// edit leaves behind: a key v has no field for (at any depth), the same key
// twice in one object — in any case, since encoding/json matches keys
// case-insensitively and would let a hidden "permissions" override
// "Permissions" — and anything after the value.
func Decode(data []byte, v any) error {
	return decodeAt(data, 0, len(data), v)
}

// DecodeList decodes data holding one JSON object or an array of them,
// each as Decode would. An error in an array's element names its index:
// "[2]: line 9, column 5: unknown key \"Permisions\"".
func DecodeList[T any](data []byte) ([]T, error) {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '[' {
		var one T
		if err := Decode(data, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	}
	if err := CheckDuplicateKeys(data); err != nil {
		return nil, shifted(data, 0, err)
	}
	spans, err := elements(data)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(spans))
	for i, s := range spans {
		if err := decodeAt(data, s[0], s[1], &out[i]); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return out, nil
}

// elements returns the byte spans of a top-level array's elements.
func elements(data []byte) ([][2]int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '['
		return nil, syntaxError(data, err)
	}
	var spans [][2]int
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(data, err)
		}
		end := int(dec.InputOffset())
		spans = append(spans, [2]int{end - len(raw), end})
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, syntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: unexpected data after the JSON value", Position(data, dec.InputOffset()))
	}
	return spans, nil
}

// decodeAt decodes data[start:end] into v; positions in errors are data's.
func decodeAt(data []byte, start, end int, v any) error {
	part := data[start:end]
	if err := CheckDuplicateKeys(part); err != nil {
		return shifted(data, start, err)
	}
	dec := json.NewDecoder(bytes.NewReader(part))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ):
			return fmt.Errorf("%s: %s: %s is not a valid value here (want %s)",
				Position(data, int64(start)+typ.Offset), fieldPath(reflect.TypeOf(v), typ.Field), typ.Value, typeName(typ.Type))
		case strings.HasPrefix(err.Error(), `json: unknown field "`):
			key, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return fmt.Errorf("%s: unknown key %q", Position(data, int64(start)+keyOffset(part, key)), key)
		}
		return syntaxError(data, shift(err, start))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the JSON value", Position(data, int64(start)+dec.InputOffset()))
	}
	return nil
}

// Explain rewrites an error of encoding/json decoding into target in the
// JSON's terms: a value of the wrong type names its key path and the kind
// of value wanted, never a Go type ("Claims.ClaimType: bool is not a valid
// value here (want a string)"), and the "json: " prefix goes. Other errors
// keep their text.
func Explain(err error, target any) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("%s: %s is not a valid value here (want %s)", fieldPath(reflect.TypeOf(target), typ.Field), typ.Value,
			typeName(typ.Type))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// shift moves a syntax error's offset by start.
func shift(err error, start int) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		c := *syn
		c.Offset += int64(start)
		return &c
	}
	return err
}

// syntaxError renders err with its position in data, without the
// "json: " prefix of encoding/json.
func syntaxError(data []byte, err error) error {
	var syn *json.SyntaxError
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if errors.As(err, &syn) {
		return fmt.Errorf("%s: %s", Position(data, syn.Offset), msg)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: the JSON ends too early", Position(data, int64(len(data))))
	}
	return errors.New(msg)
}

// positioned is an error that already names a line and column of a part;
// shifted re-renders it against the whole of data.
type positioned struct {
	offset int64
	msg    string
}

func (e *positioned) Error() string { return e.msg }

func shifted(data []byte, start int, err error) error {
	var p *positioned
	if errors.As(err, &p) {
		return fmt.Errorf("%s: %s", Position(data, int64(start)+p.offset), p.msg)
	}
	return err
}

// keyOffset is where the first object key named key ends in data, or 0.
func keyOffset(data []byte, key string) int64 {
	var at int64
	walkKeys(data, func(k string, end int64, _ map[string]int64) bool {
		if k == key {
			at = end
			return false
		}
		return true
	})
	return at
}

// CheckDuplicateKeys reports the first object in data that holds a key
// twice, compared ignoring case.
func CheckDuplicateKeys(data []byte) error {
	var err error
	walkKeys(data, func(key string, end int64, seen map[string]int64) bool {
		lower := strings.ToLower(key)
		if first, dup := seen[lower]; dup {
			err = &positioned{end, fmt.Sprintf("the key %q appears twice in one object (also at %s); keys are matched ignoring case",
				key, Position(data, first))}
			return false
		}
		seen[lower] = end
		return true
	})
	return err
}

// walkKeys calls fn with each object key in data, in order, with the
// offset where it ends and the keys its object has shown so far (fn's to
// fill), until fn returns false. A syntax error ends the walk quietly: the
// decoder proper reports it.
func walkKeys(data []byte, fn func(key string, end int64, seen map[string]int64) bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]int64
		expect bool // the next token of an object is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if key, ok := tok.(string); ok {
				if !fn(key, dec.InputOffset(), top.keys) {
					return
				}
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

// Position renders a byte offset of data as "line L, column C".
func Position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return "line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col)
}

// fieldPath turns encoding/json's Field ("CreateRoleRequest.Claims.ClaimValue")
// into the file's keys ("Claims.ClaimValue"): the names of embedded Go
// types are no key a person wrote.
func fieldPath(t reflect.Type, path string) string {
	var keys []string
	for _, seg := range strings.Split(path, ".") {
		t = elem(t)
		if t == nil || t.Kind() != reflect.Struct {
			keys = append(keys, seg)
			continue
		}
		if f, ok := t.FieldByName(seg); ok && f.Anonymous {
			t = f.Type
			continue
		}
		keys = append(keys, seg)
		t = fieldByKey(t, seg)
	}
	if len(keys) == 0 {
		return "the value"
	}
	return strings.Join(keys, ".")
}

func elem(t reflect.Type) reflect.Type {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
		t = t.Elem()
	}
	return t
}

// fieldByKey is the type of t's field whose JSON key is key (nil if none).
func fieldByKey(t reflect.Type, key string) reflect.Type {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f.Type
		}
		if f.Anonymous {
			if ft := fieldByKey(elem(f.Type), key); ft != nil {
				return ft
			}
		}
	}
	return nil
}

// typeName says what a Go type holds, in JSON's words.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}
