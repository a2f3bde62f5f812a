package strictjson

import (
	"strings"
	"testing"
)

type claim struct{ ClaimValue, Description string }

type role struct {
	Name        string
	Description string
	Permissions []string
	Claims      []claim
}

func TestDecodeRefusesWhatAnEditLeaves(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"an unknown key", `{"Name": "a", "Descripton": "d"}`, `line 1, column 27: unknown key "Descripton"`},
		{"a key twice", `{"Name": "a", "Name": "b"}`, `"Name" appears twice`},
		{"a key twice in another case", "{\"Permissions\": [\"/portal/read/\"],\n \"permissions\": [\"/\"]}",
			`line 2, column 15: the key "permissions" appears twice in one object (also at line 1, column 15)`},
		{"a key twice in a claim", `{"Claims": [{"ClaimValue": "a", "claimvalue": "b"}]}`, `"claimvalue" appears twice`},
		{"a stray ] after the value", `{"Name": "a"}]`, "unexpected data after the JSON value"},
		{"a stray } after the value", `{"Name": "a"}}`, "unexpected data after the JSON value"},
		{"a second value", `{"Name": "a"} {"Name": "b"}`, "unexpected data after the JSON value"},
		{"a syntax error", "{\n\"Name\": \"a\",,}", "line 2"},
		{"a wrong type", `{"Name": 5}`, "line 1, column 11: Name: number is not a valid value here (want a string)"},
		{"cut short", `{"Name": `, "ends too early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r role
			err := Decode([]byte(tt.body), &r)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "json:") {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// Keys may repeat in different objects, and an array of objects is fine.
	var rs []role
	if err := Decode([]byte(`[{"Name": "a", "Claims": [{"ClaimValue": "x"}, {"ClaimValue": "y"}]}, {"Name": "b"}]`), &rs); err != nil {
		t.Errorf("a valid array: %v", err)
	}
}

func TestDecodeListNamesTheElement(t *testing.T) {
	rs, err := DecodeList[role]([]byte(`{"Name": "one"}`))
	if err != nil || len(rs) != 1 || rs[0].Name != "one" {
		t.Errorf("one object: %+v, %v", rs, err)
	}
	rs, err = DecodeList[role]([]byte(" [ {\"Name\": \"a\"} ,\n{\"Name\": \"b\"} ] "))
	if err != nil || len(rs) != 2 || rs[1].Name != "b" {
		t.Errorf("an array: %+v, %v", rs, err)
	}
	for body, want := range map[string]string{
		"[{\"Name\": \"a\"},\n{\"Nme\": \"b\"}]":               `[1]: line 2, column 7: unknown key "Nme"`,
		"[{\"Name\": \"a\"},\n{\"Name\": \"b\", \"name\": 1}]": `line 2, column 21: the key "name" appears twice`,
		`[{"Name": "a"}] x`:                                    "unexpected data after the JSON value",
		`[{"Name": "a"}`:                                       "ends too early",
		`[{"Claims": [{"ClaimValue": 1}]}]`:                    "[0]: line 1, column 30: Claims.ClaimValue: number is not a valid value here",
	} {
		if _, err := DecodeList[role]([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

// FuzzDecodeList: whatever data holds, DecodeList returns values or an
// error and never panics; what it accepts has no duplicate key.
func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{`{"Name":"a"}`, `[{"Name":"a"},{"Claims":[{"ClaimValue":"x"}]}]`, `[`, `[1,`, `{"Name":"a","name":"b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := DecodeList[role](data); err == nil && CheckDuplicateKeys(data) != nil {
			t.Fatalf("accepted a duplicate key: %q", data)
		}
	})
}
