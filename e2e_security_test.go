package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func TestE2EPermissionSets(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	sets := c.PermissionSets

	global, err := sets.GetByName(ctx, "Global")
	if err != nil || global.ID != keyfactortest.GlobalPermissionSetID || !slices.Equal(global.Permissions, []string{"/"}) {
		t.Fatalf("the built-in set: %+v, %v", global, err)
	}
	ops, err := sets.Create(ctx, keyfactor.CreatePermissionSetRequest{Name: "Operators", Permissions: []string{"/portal/read/", "/certificates/"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sets.Get(ctx, ops.ID); err != nil || got.Name != "Operators" {
		t.Errorf("Get = %+v, %v", got, err)
	}
	if _, err := sets.Create(ctx, keyfactor.CreatePermissionSetRequest{Name: "Operators"}); err == nil {
		t.Error("a second set of the same name was created")
	}
	updated, err := sets.Update(ctx, keyfactor.UpdatePermissionSetRequest{ID: ops.ID, Permissions: []string{"/portal/read/", "/certificates/", "/reports/"}})
	if err != nil || len(updated.Permissions) != 3 || updated.Name != "Operators" {
		t.Errorf("Update = %+v, %v", updated, err)
	}
	n := 0
	for _, err := range sets.List(ctx, keyfactor.ListPermissionSetsOptions{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("List: %d sets", n)
	}

	// Apply: a create, then nothing; a change, then nothing.
	desired := keyfactor.CreatePermissionSetRequest{Name: "Auditors", Permissions: []string{"/auditing/read/"}}
	for _, want := range []keyfactor.Action{keyfactor.ActionCreate, keyfactor.ActionNone} {
		if p, _, err := sets.Apply(ctx, desired); err != nil || p.Action != want {
			t.Errorf("Apply: %+v, %v; want %s", p, err, want)
		}
	}
	desired.Permissions = append(desired.Permissions, "/reports/read/")
	srv.ResetRequests()
	if p, set, err := sets.Apply(ctx, desired); err != nil || p.Action != keyfactor.ActionUpdate || len(set.Permissions) != 2 ||
		p.Changes[0].Added[0] != "/reports/read/" {
		t.Errorf("Apply change: %+v, %+v, %v", p, set, err)
	}
	srv.ResetRequests()
	if p, _, err := sets.Apply(ctx, desired); err != nil || p.Action != keyfactor.ActionNone || writes(srv) != 0 {
		t.Errorf("second Apply: %+v, %v with %d writes", p, err, writes(srv))
	}

	// Roles live within their set: a plan the server would refuse is
	// refused first, and nothing is written.
	srv.ResetRequests()
	role := keyfactor.CreateRoleRequest{Name: "Auditors", Description: "d", PermissionSetID: ops.ID,
		Permissions: []string{"/portal/read/", "/auditing/read/"}}
	_, _, err = c.Roles.Apply(ctx, role)
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) || !ve.Has("Permissions[1]") || writes(srv) != 0 {
		t.Errorf("a role outside its set: %v with %d writes", err, writes(srv))
	}
	// And the fake refuses it too, for a client that did not check.
	if _, err := c.Roles.Create(ctx, role); err == nil || !strings.Contains(err.Error(), "not in the permission set") {
		t.Errorf("the fake accepted a role outside its set: %v", err)
	}
	role.Permissions = []string{"/portal/read/", "/certificates/collections/read/5/"}
	if _, _, err := c.Roles.Apply(ctx, role); err != nil {
		t.Errorf("a role within its set: %v", err)
	}

	// Mine: the sets of the caller's roles holding a permission.
	if mine, err := sets.Mine(ctx, "/security/modify/"); err != nil || len(mine) != 1 || mine[0].Name != "Global" {
		t.Errorf("Mine = %+v, %v", mine, err)
	}
	// A set with roles cannot be deleted; an empty one can, once.
	if err := sets.Delete(ctx, ops.ID); err == nil {
		t.Error("a set holding a role was deleted")
	}
	auditors, _ := sets.GetByName(ctx, "Auditors")
	if err := sets.Delete(ctx, auditors.ID); err != nil {
		t.Fatal(err)
	}
	if err := sets.Delete(ctx, auditors.ID); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("second Delete = %v", err)
	}

	// A caller who may not see a set is told it may be hidden.
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\narrow`, Password: "narrow-pw", Permissions: []string{"/security/read/"},
		VisiblePermissionSets: []string{keyfactortest.GlobalPermissionSetID}})
	narrow := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: `KEYEXAMPLE\narrow`, Password: "narrow-pw"}})
	if _, err := narrow.PermissionSets.GetByName(ctx, "Operators"); !errors.Is(err, keyfactor.ErrNotFound) ||
		!strings.Contains(err.Error(), "may not see it") {
		t.Errorf("hidden set: %v", err)
	}
}

func TestE2EMe(t *testing.T) {
	srv, admin := newE2E(t)
	ctx := context.Background()
	me, err := admin.Security.Me(ctx)
	if err != nil || !slices.Equal(me.Roles, []string{keyfactortest.AdministratorRoleName}) || !me.Has("/security/modify/") {
		t.Fatalf("admin: %+v, %v", me, err)
	}
	// A user whose permissions come from a role naming it.
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\ops`, Password: "ops-pw", Permissions: []string{"/portal/read/"}})
	srv.AddRole(keyfactortest.Role{Name: "Readers", Description: "d",
		Permissions: []string{"/security/read/", "/certificates/collections/read/5/"}, PermissionsV1: []string{"SecuritySettings:Read"},
		Claims: []keyfactortest.Claim{{Type: keyfactortest.ClaimUser, Value: `KEYEXAMPLE\ops`, Scheme: "Active Directory"}}})
	ops := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: `KEYEXAMPLE\ops`, Password: "ops-pw"}})
	me, err = ops.Security.Me(ctx)
	if err != nil || !slices.Equal(me.Roles, []string{"Readers"}) || len(me.GlobalPermissions) != 1 ||
		!me.Has("/certificates/collections/read/5/") || me.Has("/certificates/collections/read/6/") || !me.Has("/portal/read/") ||
		me.Has("/security/modify/") {
		t.Errorf("ops: %+v, %v", me, err)
	}
	if cat, err := ops.Security.Permissions(ctx); err != nil || !slices.Contains(cat, "/certificates/collections/read/") {
		t.Errorf("catalogue: %d entries, %v", len(cat), err)
	}
	// A server older than /Security/My/Permissions.
	old := keyfactortest.NewServer(keyfactortest.WithoutMyPermissions())
	t.Cleanup(old.Close)
	me, err = e2eClient(t, old, keyfactor.Config{}).Security.Me(ctx)
	if err != nil || me.Permissions != nil || len(me.Roles) != 1 {
		t.Errorf("an older server: %+v, %v", me, err)
	}
}

// TestE2EPermissionSetsAndRolesUnderFaults: 30 sets and 100 roles that use
// them, applied under 20% of answers dropped after acting and 15% 503s (a
// sync job re-runs what failed), converge to exactly the desired state with
// no duplicate; a second run makes zero writes.
func TestE2EPermissionSetsAndRolesUnderFaults(t *testing.T) {
	srv := keyfactortest.NewServer(keyfactortest.WithSeed(2027))
	t.Cleanup(srv.Close)
	c := e2eClient(t, srv, keyfactor.Config{})
	ctx := context.Background()
	set := func(i int) keyfactor.CreatePermissionSetRequest {
		return keyfactor.CreatePermissionSetRequest{Name: fmt.Sprintf("Set %02d", i),
			Permissions: []string{"/portal/read/", fmt.Sprintf("/certificates/collections/read/%d/", i+1), "/reports/"}}
	}
	role := func(i int, setID string) keyfactor.CreateRoleRequest {
		return keyfactor.CreateRoleRequest{Name: fmt.Sprintf("Team %03d", i), Description: "d", PermissionSetID: setID,
			Permissions: []string{"/portal/read/", fmt.Sprintf("/certificates/collections/read/%d/", i%30+1)},
			Claims: []keyfactor.Claim{{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: fmt.Sprintf("team-%d", i),
				ProviderAuthenticationScheme: "Keycloak"}}}
	}
	retries := 0
	retry := func(what string, f func() error) {
		for try := 1; ; try++ {
			err := f()
			if err == nil {
				return
			}
			retries++
			if errors.Is(err, keyfactor.ErrValidation) || try == 20 {
				t.Fatalf("%s: %v (try %d)", what, err, try)
			}
		}
	}
	run := func() {
		ids := make([]string, 30)
		for i := range 30 {
			retry(set(i).Name, func() error {
				_, s, err := c.PermissionSets.Apply(ctx, set(i))
				if err == nil {
					ids[i] = s.ID
				}
				return err
			})
		}
		for i := range 100 {
			retry(role(i, "").Name, func() error { _, _, err := c.Roles.Apply(ctx, role(i, ids[i%30])); return err })
		}
	}
	srv.FailRandomly(0.20, keyfactortest.Fault{Drop: keyfactortest.DropAfterHandler})
	srv.FailRandomly(0.15, keyfactortest.Fault{Status: 503})
	run()
	drops, unavailable := 0, 0
	for _, r := range srv.Requests() {
		switch {
		case r.Fault == nil:
		case r.Fault.Drop == keyfactortest.DropAfterHandler:
			drops++
		case r.Fault.Status == 503:
			unavailable++
		}
	}
	srv.ClearFaults()

	// Exactly the desired state: 30 sets and Global, 100 roles and
	// Administrator, no name twice, each role in its set.
	storedSets := srv.PermissionSets()
	names := map[string]string{}
	for _, s := range storedSets {
		if _, dup := names[s.Name]; dup {
			t.Fatalf("two sets named %q", s.Name)
		}
		names[s.Name] = s.ID
	}
	roles := srv.Roles()
	if len(storedSets) != 31 || len(roles) != 101 {
		t.Fatalf("%d sets and %d roles stored; want 31 and 101", len(storedSets), len(roles))
	}
	seen := map[string]bool{}
	for _, r := range roles[1:] {
		var i int
		if _, err := fmt.Sscanf(r.Name, "Team %d", &i); err != nil || seen[r.Name] {
			t.Fatalf("unexpected or repeated role %q", r.Name)
		}
		seen[r.Name] = true
		if r.PermissionSetID != names[set(i%30).Name] || !sameStrings(r.Permissions, role(i, "").Permissions) {
			t.Errorf("%s: set %s, permissions %v", r.Name, r.PermissionSetID, r.Permissions)
		}
	}
	// A second run, without faults, writes nothing.
	srv.ResetRequests()
	run()
	if n := writes(srv); n != 0 {
		t.Errorf("the second run made %d writes", n)
	}
	if drops < 50 || unavailable < 30 {
		t.Errorf("only %d dropped answers and %d 503s", drops, unavailable)
	}
	t.Logf("%d answers dropped after acting, %d 503s; %d calls failed and were re-run", drops, unavailable, retries)
}
