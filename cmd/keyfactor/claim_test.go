package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func TestClaimCommands(t *testing.T) {
	f := newFake(t)
	oauth := []string{"--type", "OAuthRole", "--value", "pki-ops", "--scheme", "Keycloak"}
	r := cli(t, f.env, "", append([]string{"claim", "create", "--description", "PKI operators"}, oauth...)...)
	var created keyfactor.Claim
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &created) != nil || created.ID == 0 {
		t.Fatalf("create: %+v", r)
	}
	id := strconv.Itoa(created.ID)
	if r := cli(t, f.env, "", append([]string{"claim", "find", "-o", "text"}, oauth...)...); r.code != 0 || !strings.Contains(r.stdout, "claim "+id) {
		t.Errorf("find: %+v", r)
	}
	if r := cli(t, f.env, "", "claim", "find", "--type", "4", "--value", "pki-ops", "--scheme", "Okta"); r.code != 4 {
		t.Errorf("find another scheme: %+v", r)
	}
	if r := cli(t, f.env, "", "claim", "get", id, "-o", "text"); r.code != 0 || !strings.Contains(r.stdout, "description: PKI operators") {
		t.Errorf("get: %+v", r)
	}
	if r := cli(t, f.env, "", "claim", "list", "-q", "ClaimType -eq 4"); r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("list: %+v", r)
	}

	// role claim add: kept once, whatever the case; the claim is shared.
	role := f.AddRole(keyfactortest.Role{Name: "Ops", Description: "d", Permissions: []string{"/portal/read/"}})
	rid := strconv.Itoa(role)
	for _, value := range []string{"pki-ops", "PKI-OPS"} {
		r := cli(t, f.env, "", "role", "claim", "add", rid, "--type", "OAuthRole", "--value", value, "--scheme", "Keycloak")
		var got keyfactor.Role
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || len(got.Claims) != 1 || got.Claims[0].ID != created.ID ||
			len(got.Permissions) != 1 {
			t.Errorf("role claim add %s: %+v", value, r)
		}
	}
	if r := cli(t, f.env, "", append([]string{"claim", "roles", "-o", "text"}, oauth...)...); r.code != 0 || !strings.Contains(r.stdout, `"Ops"`) {
		t.Errorf("roles: %+v", r)
	}
	if r := cli(t, f.env, "", "claim", "delete", id); r.code != 5 {
		t.Errorf("delete a held claim: %+v", r)
	}
	if r := cli(t, f.env, "", append([]string{"role", "claim", "remove", rid}, oauth...)...); r.code != 0 || !strings.Contains(r.stdout, `"Claims": []`) {
		t.Errorf("role claim remove: %+v", r)
	}
	if r := cli(t, f.env, "", "claim", "delete", id); r.code != 0 {
		t.Errorf("delete: %+v", r)
	}
	// Bad input names the flags; nothing is sent.
	f.ResetRequests()
	r = cli(t, f.env, "", "claim", "create", "--type", "Robot", "--value", " ", "-o", "text")
	if r.code != 2 || !strings.Contains(r.stderr, "--type") || len(f.Requests()) != 0 {
		t.Errorf("bad claim: %+v", r)
	}
	r = cli(t, f.env, "", "role", "claim", "add", "0", "--type", "Group", "--value", `KEYEXAMPLE\x`, "--scheme", "Active Directory", "-o", "text")
	if r.code != 2 || !strings.Contains(r.stderr, "ROLE_ID") || len(f.Requests()) != 0 {
		t.Errorf("bad role id: %+v", r)
	}
}

func TestCollectionAndContainerCommands(t *testing.T) {
	f := newFake(t)
	col := f.AddCollection(keyfactortest.Collection{Name: "Web Servers", Query: `TemplateName -eq "WebServer"`})
	ct := f.AddContainer(keyfactortest.Container{Name: "IIS Farm", CertStoreType: 5, IntervalMinutes: 60})
	if r := cli(t, f.env, "", "collection", "list", "-o", "text"); r.code != 0 || !strings.Contains(r.stdout, "Web Servers") {
		t.Errorf("collection list: %+v", r)
	}
	if r := cli(t, f.env, "", "collection", "get", "--name", "Web Servers"); r.code != 0 || !strings.Contains(r.stdout, `"Id": `+strconv.Itoa(col)) {
		t.Errorf("collection get --name: %+v", r)
	}
	if r := cli(t, f.env, "", "container", "get", strconv.Itoa(ct), "-o", "text"); r.code != 0 ||
		!strings.Contains(r.stdout, `schedule: {"Interval":{"Minutes":60}}`) {
		t.Errorf("container get: %+v", r)
	}
	if r := cli(t, f.env, "", "container", "list"); r.code != 0 || !strings.Contains(r.stdout, `"Schedule":"*/60 * * * *"`) {
		t.Errorf("container list: %+v", r)
	}
	if r := cli(t, f.env, "", "container", "get", "--name", "Nope"); r.code != 4 {
		t.Errorf("container get unknown: %+v", r)
	}
}

// TestScopesTakeNames: wherever a collection or container id is taken, a
// name is too, resolved once; a name that resolves to nothing is exit 4
// and nothing is written.
func TestScopesTakeNames(t *testing.T) {
	f := newFake(t)
	web := f.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	col := f.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	ct := f.AddContainer(keyfactortest.Container{Name: "IIS Farm"})
	f.AddCertificate(keyfactortest.Certificate{ID: 1, CollectionIDs: []int{col}, ContainerID: ct, IssuedCN: "web1.example.com"})
	f.AddCertificate(keyfactortest.Certificate{ID: 2, IssuedCN: "web2.example.com"})

	if r := cli(t, f.env, "", "owner", "set", "1", "--role-id", strconv.Itoa(web), "--collection-id", "Web Servers"); r.code != 0 {
		t.Errorf("owner set with a collection name: %+v", r)
	}
	for _, req := range f.Requests() {
		if req.Method == "PUT" && req.Query != "CollectionId="+strconv.Itoa(col) {
			t.Errorf("the PUT was scoped %q", req.Query)
		}
	}
	if r := cli(t, f.env, "", "owner", "clear", "1", "--container-id", "IIS Farm"); r.code != 0 {
		t.Errorf("owner clear with a container name: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "list", "--collection-id", "Web Servers"); r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("cert list with a collection name: %+v", r)
	}
	if r := cli(t, f.env, "", "cert", "get", "1", "--collection-id", "Web Servers"); r.code != 0 {
		t.Errorf("cert get with a collection name: %+v", r)
	}
	// Names that resolve to nothing: exit 4, no write.
	f.ResetRequests()
	for _, args := range [][]string{{"owner", "set", "1", "--role-id", "1", "--collection-id", "Typo"},
		{"owner", "set", "--query", `IssuedCN -startswith "web"`, "--role-id", "1", "--container-id", "Typo"},
		{"owner", "clear", "1", "--collection-id", "Typo"}, {"cert", "list", "--collection-id", "Typo"}} {
		if r := cli(t, f.env, "", append(args, "-o", "text")...); r.code != 4 || !strings.Contains(r.stderr, `"Typo"`) {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if n := writesIn(f); n != 0 {
		t.Errorf("%d writes", n)
	}
	// Bad input with a name is refused before the name is looked up.
	f.ResetRequests()
	if r := cli(t, f.env, "", "owner", "set", "0", "--collection-id", "Web Servers"); r.code != 2 || len(f.Requests()) != 0 {
		t.Errorf("bad input with a name: %+v with %d requests", r, len(f.Requests()))
	}
}
