package keyfactor

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
)

// TestDecodeRolesNamesWhereAFileIsWrong: an unknown key or a wrong type
// names the role's index, the line and the key a person wrote, never an
// internal Go type.
func TestDecodeRolesNamesWhereAFileIsWrong(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"unknown key in the second role", "[{\"Name\": \"a\"},\n {\"Name\": \"b\",\n  \"Permisions\": []}]",
			`[1]: line 3, column 15: unknown key "Permisions"`},
		{"unknown key in a claim", `{"Name": "a", "Claims": [{"ClaimValue": "x", "Descripton": "d"}]}`, `unknown key "Descripton"`},
		{"wrong type", "{\"Name\": \"a\",\n \"Permissions\": \"/portal/read/\"}", "line 2, column 32: Permissions: string is not a valid value here (want an array)"},
		{"wrong type in a claim", `[{"Name": "a", "Claims": [{"ClaimValue": 5}]}]`, "[0]: line 1, column 43: Claims.ClaimValue: number is not a valid value here (want a string)"},
	}
	for _, tt := range tests {
		_, err := DecodeRoles([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "roleFileEntry") || strings.Contains(err.Error(), "CreateRoleRequest") ||
			strings.Contains(err.Error(), "json:")) {
			t.Errorf("%s: the error names Go internals: %v", tt.name, err)
		}
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
		if strictjson.CheckDuplicateKeys(data) != nil {
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
