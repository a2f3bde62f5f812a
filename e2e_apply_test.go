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

func TestE2EPlanAndApply(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	desired := mixedClaimsRole("PKI Operators")

	p, err := c.Roles.Plan(ctx, desired)
	if err != nil || p.Action != keyfactor.ActionCreate || p.Current != nil {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	p, role, err := c.Roles.Apply(ctx, desired)
	if err != nil || p.Action != keyfactor.ActionCreate || role.Name != "PKI Operators" {
		t.Fatalf("Apply = %+v, %+v, %v", p, role, err)
	}

	// The same desired role again: no write at all.
	srv.ResetRequests()
	p, again, err := c.Roles.Apply(ctx, desired)
	if err != nil || p.Action != keyfactor.ActionNone || len(p.Changes) != 0 || again.ID != role.ID {
		t.Fatalf("second Apply = %+v, %+v, %v", p, again, err)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("second Apply sent %s %s", r.Method, r.Path)
		}
	}

	// Drift: Plan reports it, sends nothing; Apply repairs it.
	desired.Description = "Operators, EU"
	desired.Permissions = []string{"/portal/read/", "/auditing/read/"}
	desired.Claims = desired.Claims[1:]
	srv.ResetRequests()
	p, err = c.Roles.Plan(ctx, desired)
	want := []keyfactor.Change{
		{Field: "Description", Old: "Operators of the issuing CAs", New: "Operators, EU"},
		{Field: "Permissions", Added: []string{"/auditing/read/"}, Removed: []string{"/certificates/collections/change_owner/5/"}},
		{Field: "Claims", Removed: []string{"OAuthRole:pki-operators@Keycloak"}},
	}
	if err != nil || p.Action != keyfactor.ActionUpdate || fmt.Sprint(p.Changes) != fmt.Sprint(want) {
		t.Fatalf("Plan = %+v, %v\nwant changes %+v", p, err, want)
	}
	if countRequests(srv, "PUT", "")+countRequests(srv, "POST", "") != 0 {
		t.Error("Plan wrote")
	}
	_, updated, err := c.Roles.Apply(ctx, desired)
	if err != nil || updated.Description != "Operators, EU" || len(updated.Claims) != 1 || len(updated.Permissions) != 2 {
		t.Fatalf("Apply update = %+v, %v", updated, err)
	}

	// The immutable built-in role: the plan shows the difference, Apply
	// refuses it and sends no write.
	srv.ResetRequests()
	admin := keyfactor.CreateRoleRequest{Name: keyfactortest.AdministratorRoleName, Description: "mine", Permissions: []string{"/"}}
	p, _, err = c.Roles.Apply(ctx, admin)
	if !errors.Is(err, keyfactor.ErrImmutable) || !strings.Contains(err.Error(), "immutable") || p == nil || p.Action != keyfactor.ActionUpdate {
		t.Fatalf("Apply(Administrator) = %+v, %v", p, err)
	}
	if n := countRequests(srv, "PUT", ""); n != 0 {
		t.Errorf("%d PUTs for the immutable role", n)
	}

	// Bad input: nothing sent.
	srv.ResetRequests()
	if _, err := c.Roles.Plan(ctx, keyfactor.CreateRoleRequest{Name: "x"}); !errors.Is(err, keyfactor.ErrValidation) || len(srv.Requests()) != 0 {
		t.Errorf("Plan(bad) = %v, %d requests", err, len(srv.Requests()))
	}
}

// TestE2EApplyUnderFaults is the fault campaign: with 20% of answers
// dropped after the server acted and 15% answered 503, 100 desired roles
// are applied, then applied again with changed permissions. A sync job
// re-runs what failed; every Apply either succeeds, with the server holding
// what was asked at that moment, or returns an error. The end state is
// exactly 100 roles holding the final definitions.
func TestE2EApplyUnderFaults(t *testing.T) {
	srv := keyfactortest.NewServer(keyfactortest.WithSeed(2026))
	t.Cleanup(srv.Close)
	c := e2eClient(t, srv, keyfactor.Config{})
	srv.FailRandomly(0.20, keyfactortest.Fault{Drop: keyfactortest.DropAfterHandler})
	srv.FailRandomly(0.15, keyfactortest.Fault{Status: 503})
	ctx := context.Background()
	desired := func(i int, perms ...string) keyfactor.CreateRoleRequest {
		return keyfactor.CreateRoleRequest{Name: fmt.Sprintf("Team %03d", i), Description: fmt.Sprintf("Team %d", i),
			Permissions: perms,
			Claims: []keyfactor.Claim{{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: fmt.Sprintf("team-%d", i),
				ProviderAuthenticationScheme: "Keycloak"}}}
	}
	stored := func(name string) *keyfactortest.Role {
		var found *keyfactortest.Role
		for _, r := range srv.Roles() {
			if r.Name == name {
				if found != nil {
					t.Fatalf("two roles named %q", name)
				}
				found = &r
			}
		}
		return found
	}
	failures := 0
	apply := func(d keyfactor.CreateRoleRequest) {
		for try := 1; ; try++ {
			p, role, err := c.Roles.Apply(ctx, d)
			if err == nil {
				s := stored(d.Name)
				if p == nil || role == nil || s == nil || s.Description != d.Description ||
					!sameStrings(s.Permissions, d.Permissions) || len(s.Claims) != 1 {
					t.Fatalf("Apply(%s) succeeded but the server holds %+v (plan %+v)", d.Name, s, p)
				}
				return
			}
			failures++
			if try == 20 {
				t.Fatalf("Apply(%s) failed 20 times; last: %v", d.Name, err)
			}
		}
	}
	for i := range 100 {
		apply(desired(i, "/portal/read/"))
	}
	for i := range 100 {
		apply(desired(i, "/portal/read/", fmt.Sprintf("/certificates/collections/read/%d/", i+1)))
	}
	srv.ClearFaults()
	roles := srv.Roles()
	if len(roles) != 101 { // and the built-in Administrator
		t.Fatalf("%d roles stored, want 100 and Administrator", len(roles))
	}
	for i := range 100 {
		d := desired(i, "/portal/read/", fmt.Sprintf("/certificates/collections/read/%d/", i+1))
		if p, err := c.Roles.Plan(ctx, d); err != nil || p.Action != keyfactor.ActionNone {
			t.Errorf("%s: plan %+v, %v", d.Name, p, err)
		}
	}
	// The campaign really ran under faults.
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
	if drops < 100 || unavailable < 70 {
		t.Errorf("only %d dropped answers and %d 503s", drops, unavailable)
	}
	t.Logf("%d requests, %d answers dropped after acting, %d 503s; %d Apply calls returned an error and were re-run",
		len(srv.Requests()), drops, unavailable, failures)
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
