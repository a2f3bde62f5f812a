package keyfactor_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// Wave 3's promises, as an attacker and a newcomer tried them: each test
// here failed before the fix it names.

// storedRole is the fake's role id.
func storedRole(srv *keyfactortest.Server, id int) (keyfactortest.Role, bool) {
	for _, r := range srv.Roles() {
		if r.ID == id {
			return r, true
		}
	}
	return keyfactortest.Role{}, false
}

func role(name string, perms ...string) keyfactor.CreateRoleRequest {
	return keyfactor.CreateRoleRequest{Name: name, Description: "d", Permissions: perms, Claims: []keyfactor.Claim{}}
}

// TestE2EPlaceholdersNameTheRightKind: a placeholder resolves only into a
// permission scoped by its own kind; anything else is refused before any
// request, so no role gains rights on an unrelated collection that shares
// a container's id.
func TestE2EPlaceholdersNameTheRightKind(t *testing.T) {
	srv, c := newE2E(t)
	srv.AddCollection(keyfactortest.Collection{Name: "Web"})
	srv.AddContainer(keyfactortest.Container{Name: "IIS Farm"})
	srv.ResetRequests()
	for _, perm := range []string{
		"/certificates/collections/read/{container:IIS Farm}/",
		"/certificate_stores/change_owner/{collection:Web}/",
		"/security/modify/{collection:Web}/",
		"/portal/read/{container:IIS Farm}/",
	} {
		_, err := c.Roles.Sync(context.Background(), []keyfactor.CreateRoleRequest{role("Ops", perm)}, keyfactor.SyncOptions{})
		var ve *keyfactor.ValidationError
		if !errors.As(err, &ve) || !ve.Has(`desired[0]("Ops").Permissions[0]`) {
			t.Errorf("%s: %v", perm, err)
		}
		if _, _, err := c.Roles.Apply(context.Background(), role("Ops", perm)); !errors.Is(err, keyfactor.ErrValidation) {
			t.Errorf("Apply %s: %v", perm, err)
		}
		if err := role("Ops", perm).Validate(); !errors.Is(err, keyfactor.ErrValidation) {
			t.Errorf("Validate %s: %v", perm, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for placeholders of the wrong kind", n)
	}
	// The right kinds resolve.
	plan, err := c.Roles.Sync(context.Background(), []keyfactor.CreateRoleRequest{role("Ops",
		"/certificates/collections/read/{collection:Web}/", "/certificate_stores/change_owner/{container:IIS Farm}/")},
		keyfactor.SyncOptions{})
	if err != nil || plan.Items[0].Plan.Action != keyfactor.ActionCreate {
		t.Fatalf("the right kinds: %+v, %v", plan, err)
	}
}

// TestE2ESyncRefusesWhatResolvesToARepeat: "{collection:Web}" and the id
// Web has are one permission; the server would refuse the role after the
// writes before it, so Sync and Apply stop before any.
func TestE2ESyncRefusesWhatResolvesToARepeat(t *testing.T) {
	srv, c := newE2E(t)
	web := srv.AddCollection(keyfactortest.Collection{Name: "Web"})
	desired := []keyfactor.CreateRoleRequest{
		role("A Fine Role", "/portal/read/"),
		role("Web Readers", "/certificates/collections/read/{collection:Web}/", keyfactor.CollectionPermission("read", web)),
	}
	srv.ResetRequests()
	plan, err := c.Roles.Sync(context.Background(), desired, keyfactor.SyncOptions{})
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) || !ve.Has(`desired[1]("Web Readers").Permissions[1]`) || !strings.Contains(err.Error(), "once names are resolved") {
		t.Fatalf("Sync = %+v, %v", plan, err)
	}
	if n := writes(srv); n != 0 || len(srv.Roles()) != 1 {
		t.Errorf("%d writes, %d roles: the run was not all-or-nothing", n, len(srv.Roles()))
	}
	p, _, err := c.Roles.Apply(context.Background(), desired[1])
	if !errors.Is(err, keyfactor.ErrValidation) || writes(srv) != 0 {
		t.Errorf("Apply = %+v, %v", p, err)
	}
}

// TestE2EPruneNeverDeletesARoleTheSetNames: names compare one way, so a
// desired name that folds onto a stored one keeps it; a name with space
// or a control character is refused, not taken for another.
func TestE2EPruneNeverDeletesARoleTheSetNames(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		desired []keyfactor.CreateRoleRequest
		protect []string
		refused string
	}{
		{[]keyfactor.CreateRoleRequest{role("Ops ", "/portal/read/")}, nil, `desired[0]("Ops ").Name`},
		{[]keyfactor.CreateRoleRequest{role(" Ops", "/portal/read/")}, nil, `desired[0](" Ops").Name`},
		{[]keyfactor.CreateRoleRequest{role("Ops\r", "/portal/read/")}, nil, `desired[0]("Ops\r").Name`},
		{[]keyfactor.CreateRoleRequest{}, []string{"Ops\r"}, "opts.Protect[0]"},
	} {
		srv, c := newE2E(t)
		srv.AddRole(keyfactortest.Role{Name: "Ops", Description: "d", Permissions: []string{"/portal/read/"}})
		srv.ResetRequests()
		_, err := c.Roles.Sync(ctx, tt.desired, keyfactor.SyncOptions{Prune: true, Protect: tt.protect})
		var ve *keyfactor.ValidationError
		if !errors.As(err, &ve) || !ve.Has(tt.refused) {
			t.Errorf("%q: %v", tt.refused, err)
		}
		if len(srv.Requests()) != 0 || len(srv.Roles()) != 2 {
			t.Errorf("%q: %d requests; roles %v", tt.refused, len(srv.Requests()), srv.Roles())
		}
	}

	// "ſales" folds onto "Sales" (as strings.EqualFold says): the same role.
	srv, c := newE2E(t)
	srv.AddRole(keyfactortest.Role{Name: "Sales", Description: "d", Permissions: []string{"/portal/read/"}})
	plan, err := c.Roles.Sync(ctx, []keyfactor.CreateRoleRequest{role("ſales", "/portal/read/")},
		keyfactor.SyncOptions{Prune: true, PlanOnly: true})
	if err != nil || len(plan.Items) != 1 || plan.Items[0].Plan.Action == keyfactor.ActionCreate {
		t.Errorf("ſales: %+v, %v", plan, err)
	}
}

// TestE2EPruneKeepsTheCallersRoles: a pipeline whose desired set forgets
// the role it runs as keeps it, unless PruneOwn names it.
func TestE2EPruneKeepsTheCallersRoles(t *testing.T) {
	ctx := context.Background()
	srv, _ := newE2E(t)
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\pipeline`, Password: "p-Pw-1"})
	held := srv.AddRole(keyfactortest.Role{Name: "Pipeline", Description: "d", Permissions: []string{"/security/"},
		Claims: []keyfactortest.Claim{{Type: keyfactortest.ClaimUser, Value: `KEYEXAMPLE\pipeline`, Scheme: "Active Directory"}}})
	srv.AddRole(keyfactortest.Role{Name: "Stray", Description: "d", Permissions: []string{"/portal/read/"}})
	c := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: `KEYEXAMPLE\pipeline`, Password: "p-Pw-1"}})
	desired := []keyfactor.CreateRoleRequest{role("Auditors", "/auditing/read/")}

	plan, err := c.Roles.Sync(ctx, desired, keyfactor.SyncOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	deleted := map[string]bool{}
	for _, item := range plan.Items {
		if item.Plan.Action == keyfactor.ActionDelete {
			deleted[item.Name] = true
		}
	}
	if !deleted["Stray"] || deleted["Pipeline"] || len(deleted) != 1 {
		t.Errorf("deleted %v", deleted)
	}
	plan, err = c.Roles.Sync(ctx, desired, keyfactor.SyncOptions{Prune: true, PruneOwn: []string{"pipeline"}, PlanOnly: true})
	if err != nil || len(plan.Items) != 2 || plan.Items[1].Name != "Pipeline" || plan.Items[1].ID != held {
		t.Errorf("with PruneOwn: %+v, %v", plan, err)
	}
}

// TestE2ESyncItemsCarryIDs: every item names its role's id, a created
// role's new one included.
func TestE2ESyncItemsCarryIDs(t *testing.T) {
	srv, c := newE2E(t)
	kept := srv.AddRole(keyfactortest.Role{Name: "Kept", Description: "d", Permissions: []string{"/portal/read/"}})
	plan, err := c.Roles.Sync(context.Background(), []keyfactor.CreateRoleRequest{role("Kept", "/portal/read/"), role("New", "/portal/read/")},
		keyfactor.SyncOptions{})
	if err != nil || plan.Items[0].ID != kept || plan.Items[1].ID == 0 {
		t.Fatalf("%+v, %v", plan, err)
	}
	if r, ok := storedRole(srv, plan.Items[1].ID); !ok || r.Name != "New" {
		t.Errorf("item 1's id %d is not the new role", plan.Items[1].ID)
	}
}

// TestE2EClaimIdentityIsOneRule: a role left holding "PKI-Ops" and
// "pki-ops" by another tool loses both to RemoveClaim; Validate refuses
// such a pair; AddClaim adds neither again.
func TestE2EClaimIdentityIsOneRule(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	id := srv.AddRole(keyfactortest.Role{Name: "Ops", Description: "d", Claims: []keyfactortest.Claim{
		{Type: keyfactortest.ClaimOAuthRole, Value: "PKI-Ops", Scheme: "Keycloak"},
		{Type: keyfactortest.ClaimOAuthRole, Value: "pki-ops", Scheme: "Keycloak"}}})
	claim := keyfactor.Claim{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak"}
	role, err := c.Roles.AddClaim(ctx, id, claim)
	if err != nil || len(role.Claims) != 2 {
		t.Fatalf("AddClaim: %+v, %v", role, err)
	}
	role, err = c.Roles.RemoveClaim(ctx, id, claim)
	if err != nil || len(role.Claims) != 0 {
		t.Fatalf("RemoveClaim = %+v, %v", role, err)
	}
	if stored, _ := storedRole(srv, id); len(stored.Claims) != 0 {
		t.Errorf("the server still holds %+v", stored.Claims)
	}
	upper := claim
	upper.ClaimValue = "PKI-Ops"
	pair := keyfactor.CreateRoleRequest{Name: "Pair", Description: "d", Claims: []keyfactor.Claim{claim, upper}}
	var ve *keyfactor.ValidationError
	if err := pair.Validate(); !errors.As(err, &ve) || !ve.Has("Claims[1].ClaimValue") {
		t.Errorf("Validate: %v", err)
	}
}

// TestE2EPermissionSetUpdateIsNeverSentTwice: a PUT whose answer is lost
// is read back, not re-sent; a permission another writer added meanwhile
// survives, and the call says it cannot tell.
func TestE2EPermissionSetUpdateIsNeverSentTwice(t *testing.T) {
	ctx := context.Background()
	srv, other := newE2E(t)
	set, err := other.PermissionSets.Create(ctx, keyfactor.CreatePermissionSetRequest{Name: "Ops", Permissions: []string{"/portal/read/"}})
	if err != nil {
		t.Fatal(err)
	}
	puts := func() int { return countRequests(srv, "PUT", "/PermissionSets") }

	// Lost answer, nobody else: the set holds what was sent, so that is the result.
	srv.FailNext(1, keyfactortest.Fault{Method: "PUT", Drop: keyfactortest.DropAfterHandler})
	got, err := other.PermissionSets.Update(ctx, keyfactor.UpdatePermissionSetRequest{ID: set.ID, Permissions: []string{"/portal/read/", "/auditing/read/"}})
	if err != nil || len(got.Permissions) != 2 || puts() != 1 {
		t.Fatalf("lost answer: %+v, %v, %d PUTs", got, err, puts())
	}

	// Lost answer, and another writer adds a permission before the read-back.
	var seen atomic.Int32
	c := e2eClient(t, srv, keyfactor.Config{HTTPClient: &http.Client{Transport: onRequest{base: srv.Client().Transport,
		match: func(r *http.Request) bool {
			return r.Method == "GET" && strings.Contains(r.URL.Path, "/PermissionSets/")
		},
		nth: 1, seen: &seen,
		fn: func() {
			srv.AddPermissionSet(set.ID, "Ops", "/portal/read/", "/reports/read/") // the other writer, as the server sees it
		}}}})
	srv.FailNext(1, keyfactortest.Fault{Method: "PUT", Drop: keyfactortest.DropAfterHandler})
	_, _, err = c.PermissionSets.Apply(ctx, keyfactor.CreatePermissionSetRequest{Name: "Ops", Permissions: []string{"/portal/read/"}})
	if !errors.Is(err, keyfactor.ErrOutcomeUnknown) || puts() != 2 {
		t.Errorf("Apply after a lost answer: %v, %d PUTs in all", err, puts())
	}
	for _, s := range srv.PermissionSets() {
		if s.ID == set.ID && !strings.Contains(strings.Join(s.Permissions, " "), "/reports/read/") {
			t.Errorf("the other writer's permission was erased: %v", s.Permissions)
		}
	}
}

// TestE2EApplyReturnsItsPlanWithTheRefusal: a permission the role's set
// does not cover is an error beside the plan, as Apply's doc says.
func TestE2EApplyReturnsItsPlanWithTheRefusal(t *testing.T) {
	srv, c := newE2E(t)
	const narrow = "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31"
	srv.AddPermissionSet(narrow, "Narrow", "/portal/")
	desired := role("Wide", "/security/read/")
	desired.PermissionSetID = narrow
	p, got, err := c.Roles.Apply(context.Background(), desired)
	if !errors.Is(err, keyfactor.ErrValidation) || p == nil || p.Action != keyfactor.ActionCreate || got != nil {
		t.Errorf("Apply = %+v, %+v, %v", p, got, err)
	}
}

// TestE2EUpdateOwnerToAMissingRoleIsNotFound: Command answers 400 for a
// role that does not exist; the error says not found, and the server's
// answer stays reachable.
func TestE2EUpdateOwnerToAMissingRoleIsNotFound(t *testing.T) {
	srv, c := newE2E(t)
	srv.AddCertificate(keyfactortest.Certificate{ID: 1})
	for _, req := range []keyfactor.UpdateOwnerRequest{{NewRoleID: keyfactor.Ptr(999)}, {NewRoleName: keyfactor.Ptr("Nobody")}} {
		err := c.Certificates.UpdateOwner(context.Background(), 1, req)
		var apiErr *keyfactor.APIError
		if !errors.Is(err, keyfactor.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Errorf("%+v: %v", req, err)
		}
		if n := strings.Count(err.Error(), "keyfactor:"); n != 1 {
			t.Errorf("%d keyfactor: prefixes in %q", n, err)
		}
	}
	// A 400 for another reason stays what it is.
	srv.AddCertificate(keyfactortest.Certificate{ID: 2, OwnerRequired: true,
		OwnerRoleID: srv.AddRole(keyfactortest.Role{Name: "Owners", Description: "d"})})
	if err := c.Certificates.ClearOwner(context.Background(), 2, keyfactor.OwnerScope{}); errors.Is(err, keyfactor.ErrNotFound) || err == nil {
		t.Errorf("owner required: %v", err)
	}
}

// TestErrorsCarryOnePrefix: however many errors an error wraps, its text
// starts with "keyfactor: " once.
func TestE2EErrorsCarryOnePrefix(t *testing.T) {
	_, c := newE2E(t)
	ctx := context.Background()
	_, e1 := c.Roles.GetByName(ctx, "Nobody")
	_, e2 := c.Collections.GetByName(ctx, "Nobody")
	_, e3 := c.PermissionSets.GetByName(ctx, "Nobody")
	_, e4 := c.Roles.Get(ctx, 999)
	_, _, e5 := c.Roles.Apply(ctx, role("X", "/certificates/collections/read/{collection:Nope}/"))
	for i, err := range []error{e1, e2, e3, e4, e5} {
		if err == nil || strings.Count(err.Error(), "keyfactor:") != 1 || !strings.HasPrefix(err.Error(), "keyfactor: ") {
			t.Errorf("error %d: %v", i+1, err)
		}
	}
}
