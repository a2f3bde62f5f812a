package keyfactor

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeStrictRefusesWhatAnEditLeaves(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"an unknown key", `{"Name": "a", "Descripton": "d"}`, `unknown field "Descripton"`},
		{"a key twice", `{"Name": "a", "Name": "b"}`, `"Name" appears twice`},
		{"a key twice in another case", "{\"Permissions\": [\"/portal/read/\"],\n \"permissions\": [\"/\"]}",
			`line 2, column 15: the key "permissions" appears twice in one object (also at line 1, column 15)`},
		{"a key twice in a claim", `{"Claims": [{"ClaimValue": "a", "claimvalue": "b"}]}`, `"claimvalue" appears twice`},
		{"a stray ] after the value", `{"Name": "a"}]`, "unexpected data after the JSON value"},
		{"a stray } after the value", `{"Name": "a"}}`, "unexpected data after the JSON value"},
		{"a second value", `{"Name": "a"} {"Name": "b"}`, "unexpected data after the JSON value"},
		{"a syntax error", "{\n\"Name\": \"a\",,}", "line 2"},
		{"a wrong type", `{"Name": 5}`, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r CreateRoleRequest
			err := DecodeStrict([]byte(tt.body), &r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// Keys may repeat in different objects, and an array of objects is fine.
	var rs []CreateRoleRequest
	if err := DecodeStrict([]byte(`[{"Name": "a", "Claims": [{"ClaimValue": "x"}, {"ClaimValue": "y"}]}, {"Name": "b"}]`), &rs); err != nil {
		t.Errorf("a valid array: %v", err)
	}
}

func TestDecodeRolesReadsWhatRolesGetPrints(t *testing.T) {
	role := &Role{ID: 17, Name: "PKI Operators", Description: "d", Immutable: false, PermissionSetID: psID,
		Permissions: []string{"/portal/read/"},
		Claims: []Claim{{ClaimType: ClaimOAuthRole, ClaimValue: "pki-ops", Description: "c", ID: 3,
			Provider: &ClaimProvider{ID: "8c5a", AuthenticationScheme: "Keycloak", DisplayName: "KIdP"}}}}
	printed, _ := json.Marshal(role)
	got, err := DecodeRoles(printed)
	if err != nil {
		t.Fatal(err)
	}
	want := []CreateRoleRequest{{Name: "PKI Operators", Description: "d", PermissionSetID: psID, Permissions: []string{"/portal/read/"},
		Claims: []Claim{{ClaimType: ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak", Description: "c"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeRoles = %+v", got)
	}
	// An omitted key is nil (not managed); [] is none.
	got, err = DecodeRoles([]byte(`[{"Name": "a", "Description": "d"}, {"Name": "b", "Description": "d", "Permissions": [], "Claims": []}]`))
	if err != nil || got[0].Permissions != nil || got[0].Claims != nil || got[1].Permissions == nil || got[1].Claims == nil {
		t.Errorf("DecodeRoles = %+v, %v", got, err)
	}
	if _, err := DecodeRoles([]byte(`{"Name": "a", "Id": 5, "Id": 6}`)); err == nil {
		t.Error("a duplicate read-only key was accepted")
	}
}

func TestValidateNeedsNoServer(t *testing.T) {
	bad := CreateRoleRequest{Name: " ", PermissionSetID: "nope", Permissions: []string{"/Portal/"},
		Claims: []Claim{{ClaimValue: "x", ProviderAuthenticationScheme: "Keycloak"}}}
	err := bad.Validate()
	assertValidation(t, err, "CreateRoleRequest.Validate",
		[]string{"Name", "Description", "PermissionSetID", "Permissions[0]", "Claims[0].ClaimType"}, "")
	if err := (CreateRoleRequest{Name: "n", Description: "d"}).Validate(); err != nil {
		t.Errorf("a valid role: %v", err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatal("not a *ValidationError")
	}
}

// FuzzDecodeRoles: whatever the file holds, DecodeRoles returns roles or an
// error, never panics, and what it accepts has no duplicate key.
func FuzzDecodeRoles(f *testing.F) {
	for _, s := range []string{`{"Name":"a","Description":"d"}`, `[{"Name":"a"},{"Name":"b","Permissions":[]}]`,
		`{"Name":"a","name":"b"}`, `{"Claims":[{"ClaimType":"OAuthRole","Id":3,"Provider":{"AuthenticationScheme":"K"}}]}`,
		`{"Name":"a"}]`, `[`, `null`, `{"Id":1,"Immutable":true}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		roles, err := DecodeRoles(data)
		if err != nil {
			return
		}
		if checkDuplicateKeys(data) != nil {
			t.Fatalf("accepted a duplicate key: %q", data)
		}
		for _, r := range roles {
			for _, c := range r.Claims {
				if c.ID != 0 || c.Provider != nil {
					t.Fatalf("a read-only claim field survived: %+v", c)
				}
			}
		}
	})
}
