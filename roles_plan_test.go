package keyfactor

import (
	"context"
	"reflect"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestRoleChanges(t *testing.T) {
	kc := func(v, desc string) Claim {
		return Claim{ClaimType: ClaimOAuthRole, ClaimValue: v, ProviderAuthenticationScheme: "Keycloak", Description: desc}
	}
	current := &Role{ID: 7, Name: "Ops", Description: "d", EmailAddress: "ops@example.com", PermissionSetID: psID,
		Permissions: []string{"/portal/read/", "/certificates/collections/read/5/"},
		Claims:      []Claim{kc("ops", "Ops role"), {ClaimType: ClaimGroup, ClaimValue: `EX\Ops`, Provider: &ClaimProvider{AuthenticationScheme: "Active Directory"}}}}
	same := CreateRoleRequest{Name: "Ops", Description: "d", EmailAddress: "ops@example.com",
		Permissions: []string{"/certificates/collections/read/5/", "/portal/read/"},
		Claims:      []Claim{{ClaimType: ClaimGroup, ClaimValue: `ex\ops`, ProviderAuthenticationScheme: "Active Directory"}, kc("OPS", "Ops role")}}
	tests := []struct {
		name   string
		change func(*CreateRoleRequest)
		cur    func(*Role)
		want   []Change
	}{
		{"same: order, value case and scheme from Provider do not matter; empty PermissionSetID matches", nil, nil, nil},
		{"a given PermissionSetID must match (any case)", func(r *CreateRoleRequest) { r.PermissionSetID = "D9D5B6C1-4B3A-4C57-9C1F-2F1F0F6A8E21" }, nil, nil},
		{"another PermissionSetID", func(r *CreateRoleRequest) { r.PermissionSetID = "00000000-0000-0000-0000-000000000000" }, nil,
			[]Change{{Field: "PermissionSetID", Old: psID, New: "00000000-0000-0000-0000-000000000000"}}},
		{"description and email", func(r *CreateRoleRequest) { r.Description, r.EmailAddress = "new", "" }, nil,
			[]Change{{Field: "Description", Old: "d", New: "new"}, {Field: "EmailAddress", Old: "ops@example.com", New: ""}}},
		{"a permission added and one removed", func(r *CreateRoleRequest) { r.Permissions = []string{"/portal/read/", "/auditing/read/"} }, nil,
			[]Change{{Field: "Permissions", Added: []string{"/auditing/read/"}, Removed: []string{"/certificates/collections/read/5/"}}}},
		{"another scope is another permission", func(r *CreateRoleRequest) {
			r.Permissions = []string{"/portal/read/", "/certificates/collections/read/6/"}
		}, nil, []Change{{Field: "Permissions", Added: []string{"/certificates/collections/read/6/"}, Removed: []string{"/certificates/collections/read/5/"}}}},
		// Compared both ways: a stored duplicate does not make a shorter or
		// different request match.
		{"stored duplicates do not hide a missing permission", func(r *CreateRoleRequest) {
			r.Permissions = []string{"/portal/read/", "/auditing/read/"}
		}, func(c *Role) { c.Permissions = []string{"/portal/read/", "/portal/read/"} },
			[]Change{{Field: "Permissions", Added: []string{"/auditing/read/"}}}},
		{"stored duplicates, same set", func(r *CreateRoleRequest) { r.Permissions = []string{"/portal/read/"} },
			func(c *Role) { c.Permissions = []string{"/portal/read/", "/portal/read/"} }, nil},
		{"a claim removed", func(r *CreateRoleRequest) { r.Claims = r.Claims[1:] }, nil,
			[]Change{{Field: "Claims", Removed: []string{`Group:EX\Ops@Active Directory`}}}},
		{"a claim of another scheme is another claim", func(r *CreateRoleRequest) { r.Claims[1].ProviderAuthenticationScheme = "Okta" }, nil,
			[]Change{{Field: "Claims", Added: []string{"OAuthRole:OPS@Okta"}, Removed: []string{"OAuthRole:ops@Keycloak"}}}},
		{"a claim's own description", func(r *CreateRoleRequest) { r.Claims[1].Description = "new" }, nil,
			[]Change{{Field: "Claims[OAuthRole:OPS@Keycloak].Description", Old: "Ops role", New: "new"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := cloneRole(current)
			if tt.cur != nil {
				tt.cur(cur)
			}
			d := same
			d.Permissions = append([]string(nil), same.Permissions...)
			d.Claims = append([]Claim(nil), same.Claims...)
			if tt.change != nil {
				tt.change(&d)
			}
			if got := roleChanges(cur, d); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("changes\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestRolePlansKnowThePermissionSet: Plan and Apply read the role's set
// once and refuse, before any write, what it does not cover.
func TestRolePlansKnowThePermissionSet(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles", httpmock.NewStringResponder(200, `[]`))
	m.RegisterResponder("GET", testBase+"/PermissionSets/"+setID, httpmock.NewStringResponder(200,
		`{"Id":"`+setID+`","Name":"Readers","Permissions":["/portal/read/","/certificates/collections/read/5/","/reports/"]}`))
	m.RegisterResponder("GET", testBase+"/PermissionSets", httpmock.NewStringResponder(200,
		`[{"Id":"00000000-0000-0000-0000-000000000000","Name":"Global","Permissions":["/"]}]`))
	desired := CreateRoleRequest{Name: "Readers", Description: "d", PermissionSetID: setID,
		Permissions: []string{"/portal/read/", "/certificates/collections/read/6/", "/reports/read/", "/security/modify/"}}
	_, _, err := c.Roles.Apply(context.Background(), desired)
	assertValidation(t, err, "Roles.Apply", []string{"Permissions[1]", "Permissions[3]"}, `permission set "Readers"`)
	if n := m.GetCallCountInfo()["GET "+testBase+"/PermissionSets/"+setID]; n != 1 {
		t.Errorf("the set was read %d times", n)
	}
	for _, r := range m.requests() {
		if r.Method != "GET" {
			t.Errorf("Apply wrote: %s %s", r.Method, r.URL)
		}
	}
	// A role naming no set belongs to Global, found by name.
	desired.PermissionSetID = ""
	if p, err := c.Roles.Plan(context.Background(), desired); err != nil || p.Action != ActionCreate {
		t.Errorf("in Global: %+v, %v", p, err)
	}
	// A set that does not exist is the PermissionSetID's problem.
	m.RegisterResponder("GET", testBase+"/PermissionSets/"+psID, httpmock.NewStringResponder(404, `{"ErrorCode":"0xA0110005","Message":"none"}`))
	desired.PermissionSetID = psID
	_, err = c.Roles.Plan(context.Background(), desired)
	assertValidation(t, err, "Roles.Plan", []string{"PermissionSetID"}, "names no permission set")
}
