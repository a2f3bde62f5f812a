package keyfactortest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A seed file describes what a server starts with, for the keyfactortest
// command and for tests that keep their fixtures in JSON. Keys are the Go
// field names of this package's types (User, Role, Certificate, ...):
//
//	{
//	  "Users": [{"Name": "KEYEXAMPLE\\ops", "Password": "ops-pw", "Token": "ops-token",
//	             "Permissions": ["/security/read/", "/certificates/collections/change_owner/5/"]}],
//	  "OAuthClients": [{"ClientID": "ci", "ClientSecret": "ci-secret", "Permissions": ["/"]}],
//	  "PermissionSets": [{"ID": "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31", "Name": "Operators",
//	                      "Permissions": ["/portal/read/", "/certificates/"]}],
//	  "Roles": [{"Name": "PKI Operators", "Description": "Operators of the issuing CAs",
//	             "PermissionSetID": "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31", "Permissions": ["/portal/read/"],
//	             "Claims": [{"Type": "OAuthRole", "Value": "pki-operators", "Scheme": "Keycloak"}]}],
//	  "Certificates": [{"ID": 1, "IssuedCN": "web01.example.com", "CollectionIDs": [5], "OwnerRole": "PKI Operators",
//	                    "NotAfter": "2027-01-01T00:00:00Z", "Metadata": {"Team": "web"}}],
//	  "Templates": [{"ShortName": "UserAuth", "DisplayName": "User Authentication", "KeyType": "ECC",
//	                 "RequiresApproval": true}],
//	  "CAs": [{"HostName": "ejbca.example.com", "LogicalName": "ManagementCA"}],
//	  "Agents": [{"ClientMachine": "orch1.example.com", "Approved": true}],
//	  "Stores": [{"ClientMachine": "web01.example.com", "StorePath": "/etc/ssl/site.pem", "StoreType": 2,
//	              "Properties": {"separatePrivateKey": "false"}, "Inventory": {"site": 1}}]
//	}
//
// Every server starts with the templates WebServer (id 3) and
// WebServerApproval (id 4, requiring approval), the CA
// ca.example.com\Example Issuing CA 1, and the store types PEM (id 2)
// and IIS (id 5).
//
// A claim's Type is a name ("OAuthRole", as responses spell it) or
// Keyfactor's integer. A certificate names its owner by OwnerRole (a role's
// name, seeded or built in) or OwnerRoleID. Every key is optional.

// seedFile is the document Seed reads.
type seedFile struct {
	Users          []User
	OAuthClients   []seedOAuthClient
	PermissionSets []seedPermissionSet
	Roles          []seedRole
	Certificates   []seedCertificate
	Templates      []Template
	CAs            []CA
	StoreTypes     []StoreType
	Agents         []Agent
	Stores         []Store
}

type seedOAuthClient struct {
	ClientID, ClientSecret string
	Permissions            []string
}

type seedPermissionSet struct {
	ID, Name    string
	Permissions []string
}

type seedRole struct {
	Name, Description, EmailAddress, PermissionSetID string
	Permissions, PermissionsV1                       []string
	Claims                                           []seedClaim
}

type seedClaim struct {
	Type                       seedClaimType
	Value, Scheme, Description string
}

// seedClaimType is a claim type written as a name or an integer.
type seedClaimType int

func (t *seedClaimType) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		if n := ClaimTypeOf(name); n >= 0 {
			*t = seedClaimType(n)
			return nil
		}
		return fmt.Errorf("claim type %q is not one of %s", name, strings.Join(claimTypeNames[:], ", "))
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n >= len(claimTypeNames) {
		return fmt.Errorf("claim type %s is not a name or an integer from 0 to %d", b, len(claimTypeNames)-1)
	}
	*t = seedClaimType(n)
	return nil
}

type seedCertificate struct {
	Certificate
	OwnerRole string // a role's name; instead of OwnerRoleID
}

// Seed adds to the server what a seed file (JSON, described above)
// holds. The file is checked whole first — unknown keys, a role or
// certificate seeded twice, an owner or permission set that names nothing —
// and an error names every problem found; nothing is added then.
func (s *Server) Seed(data []byte) error {
	var f seedFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return seedSyntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("seed: unexpected data after the JSON object")
	}
	if problems := s.checkSeed(&f); len(problems) > 0 {
		return errors.New("seed: " + strings.Join(problems, "; "))
	}
	for _, u := range f.Users {
		s.AddUser(u)
	}
	for _, c := range f.OAuthClients {
		s.AddOAuthClient(c.ClientID, c.ClientSecret, c.Permissions...)
	}
	for _, p := range f.PermissionSets {
		s.AddPermissionSet(p.ID, p.Name, p.Permissions...)
	}
	ids := map[string]int{}
	for _, r := range f.Roles {
		role := Role{Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress, PermissionSetID: r.PermissionSetID,
			Permissions: r.Permissions, PermissionsV1: r.PermissionsV1}
		for _, c := range r.Claims {
			role.Claims = append(role.Claims, Claim{Type: int(c.Type), Value: c.Value, Scheme: c.Scheme, Description: c.Description})
		}
		ids[strings.ToLower(r.Name)] = s.AddRole(role)
	}
	for _, t := range f.Templates {
		s.AddTemplate(t)
	}
	for _, ca := range f.CAs {
		s.AddCA(ca)
	}
	for _, c := range f.Certificates {
		if c.OwnerRole != "" {
			c.OwnerRoleID = s.roleID(c.OwnerRole, ids)
		}
		s.AddCertificate(c.Certificate)
	}
	for _, t := range f.StoreTypes {
		s.AddStoreType(t)
	}
	for _, a := range f.Agents {
		s.AddAgent(a)
	}
	for _, st := range f.Stores {
		s.AddStore(st)
	}
	return nil
}

// roleID finds a role by name among those just seeded, then those stored.
func (s *Server) roleID(name string, seeded map[string]int) int {
	if id, ok := seeded[strings.ToLower(name)]; ok {
		return id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.roleByName(name); r != nil {
		return r.ID
	}
	return 0
}

// checkSeed lists every problem of a seed file.
func (s *Server) checkSeed(f *seedFile) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for i, u := range f.Users {
		if strings.TrimSpace(u.Name) == "" || u.Password == "" && u.Token == "" {
			add("Users[%d]: a user needs a Name, and a Password or a Token", i)
		}
	}
	for i, t := range f.Templates {
		if strings.TrimSpace(t.ShortName) == "" {
			add("Templates[%d]: a template needs a ShortName", i)
		}
		if kt := strings.ToUpper(t.KeyType); kt != "" && kt != "RSA" && kt != "ECC" {
			add("Templates[%d]: KeyType %q is not RSA or ECC", i, t.KeyType)
		}
	}
	for i, ca := range f.CAs {
		if strings.TrimSpace(ca.HostName) == "" || strings.TrimSpace(ca.LogicalName) == "" {
			add("CAs[%d]: a CA needs a HostName and a LogicalName", i)
		}
	}
	for i, c := range f.OAuthClients {
		if c.ClientID == "" || c.ClientSecret == "" {
			add("OAuthClients[%d]: a client needs a ClientID and a ClientSecret", i)
		}
	}
	sets := map[string]bool{GlobalPermissionSetID: true}
	for i, p := range f.PermissionSets {
		if len(p.ID) != 36 || strings.Count(p.ID, "-") != 4 || p.Name == "" {
			add("PermissionSets[%d]: a permission set needs a GUID ID and a Name", i)
		}
		sets[strings.ToLower(p.ID)] = true
	}
	s.mu.Lock()
	for id := range s.permissionSets {
		sets[id] = true
	}
	s.mu.Unlock()
	names := map[string]int{}
	for i, r := range f.Roles {
		key := strings.ToLower(r.Name)
		switch first, dup := names[key]; {
		case strings.TrimSpace(r.Name) == "":
			add("Roles[%d]: Name is required", i)
		case dup:
			add("Roles[%d]: %q is seeded twice (also Roles[%d]; names compare ignoring case)", i, r.Name, first)
		case s.roleID(r.Name, nil) != 0:
			add("Roles[%d]: %q already exists on the server", i, r.Name)
		}
		names[key] = i
		if r.PermissionSetID != "" && !sets[strings.ToLower(r.PermissionSetID)] {
			add("Roles[%d]: PermissionSetID %q names no permission set", i, r.PermissionSetID)
		}
		for j, p := range r.Permissions {
			if _, ok := parsePerm(p); !ok {
				add("Roles[%d].Permissions[%d]: %q is not a v2 permission", i, j, p)
			}
		}
	}
	certs := map[int]int{}
	for i, c := range f.Certificates {
		if first, dup := certs[c.ID]; dup {
			add("Certificates[%d]: ID %d is seeded twice (also Certificates[%d])", i, c.ID, first)
		}
		certs[c.ID] = i
		switch {
		case c.ID <= 0:
			add("Certificates[%d]: ID must be greater than 0", i)
		case c.OwnerRole != "" && c.OwnerRoleID != 0:
			add("Certificates[%d]: set OwnerRole or OwnerRoleID, not both", i)
		case c.OwnerRole != "":
			if _, seeded := names[strings.ToLower(c.OwnerRole)]; !seeded && s.roleID(c.OwnerRole, nil) == 0 {
				add("Certificates[%d]: OwnerRole %q names no role", i, c.OwnerRole)
			}
		}
	}
	return problems
}

// seedSyntaxError places a decoding error in the file.
func seedSyntaxError(data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 {
		return fmt.Errorf("seed: %w", err)
	}
	offset = min(offset, int64(len(data)))
	line := bytes.Count(data[:offset], []byte("\n")) + 1
	return fmt.Errorf("seed: line %d: %w", line, err)
}
