package keyfactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// flexInt decodes one of Keyfactor's enumerations, which responses carry as
// a number and newer servers sometimes as its name (the name is in the
// matching ...String field): a number, or a string holding one, is kept;
// any other string reads as 0 rather than failing the whole certificate.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	// encoding/json has checked b is one valid value; the common cases, a
	// number or a name without escapes, are read in place.
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = 0
	case len(b) > 0 && b[0] == '"':
		text := b[1 : len(b)-1]
		if bytes.IndexByte(text, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(b, &s); err != nil {
				return err
			}
			text = []byte(s)
		}
		n, _ := strconv.Atoi(string(bytes.TrimSpace(text)))
		*f = flexInt(n)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		if n, err := strconv.Atoi(string(b)); err == nil {
			*f = flexInt(n)
			return nil
		}
		x, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return errors.New("keyfactor: want a number or a name")
		}
		*f = flexInt(x)
	default:
		return errors.New("keyfactor: want a number or a name")
	}
	return nil
}

// wireTime decodes Keyfactor's timestamps leniently: RFC 3339 with or
// without a zone offset (no offset means UTC), with or without fractional
// seconds, a date alone, or null.
type wireTime struct{ t time.Time }

func (w *wireTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		w.t = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errorf("a time must be a string: %w", err)
	}
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	w.t = t
	return nil
}

// parseTime parses one of timeLayouts; a time without an offset is UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errorf("%q is not a time such as 2025-01-31T12:00:00Z", s)
}

// flexString decodes any JSON scalar as text: a string as itself, a number
// or a boolean as written (a provider id, a metadata value).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errorf("%w", err)
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		return errorf("want a string, number or boolean, got %s", excerpt(b, 40))
	default:
		*f = flexString(b) // encoding/json has already checked it is valid
	}
	return nil
}
