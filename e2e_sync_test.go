package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func teamRole(i int, perms ...string) keyfactor.CreateRoleRequest {
	return keyfactor.CreateRoleRequest{Name: fmt.Sprintf("Team %03d", i), Description: "d", Permissions: perms,
		Claims: []keyfactor.Claim{{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: fmt.Sprintf("team-%d", i),
			ProviderAuthenticationScheme: "Keycloak"}}}
}

func actions(p *keyfactor.SyncPlan) map[keyfactor.Action]int {
	out := map[keyfactor.Action]int{}
	for _, item := range p.Items {
		out[item.Plan.Action]++
	}
	return out
}

func TestE2ESync(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	srv.AddRole(keyfactortest.Role{Name: "Team 001", Description: "old", Permissions: []string{"/portal/read/"}})
	srv.AddRole(keyfactortest.Role{Name: "Stray", Description: "d"})
	srv.AddRole(keyfactortest.Role{Name: "Break Glass", Description: "d"})
	web := srv.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	desired := []keyfactor.CreateRoleRequest{
		teamRole(0, "/portal/read/"),
		teamRole(1, "/portal/read/", "/certificates/collections/read/{collection:Web Servers}/"),
		teamRole(2),
	}
	var events []keyfactor.SyncEvent
	opts := keyfactor.SyncOptions{Prune: true, Protect: []string{"break glass"}, Concurrency: 4,
		Progress: func(e keyfactor.SyncEvent) { events = append(events, e) }}

	// PlanOnly: the whole plan, nothing written.
	srv.ResetRequests()
	plan, err := c.Roles.Sync(ctx, desired, keyfactor.SyncOptions{Prune: true, Protect: opts.Protect, PlanOnly: true})
	if err != nil || writes(srv) != 0 {
		t.Fatalf("PlanOnly: %v with %d writes", err, writes(srv))
	}
	if a := actions(plan); a[keyfactor.ActionCreate] != 2 || a[keyfactor.ActionUpdate] != 1 || a[keyfactor.ActionDelete] != 1 ||
		len(plan.Items) != 4 || plan.Items[3].Name != "Stray" {
		t.Errorf("plan = %+v", plan.Items)
	}
	// One pass over the list, a GET of the one role named and held, one
	// permission-set read, one collection lookup.
	if n := countRequests(srv, "GET", "/Security/Roles"); n != 1 {
		t.Errorf("%d list requests", n)
	}

	plan, err = c.Roles.Sync(ctx, desired, opts)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if a := actions(plan); a[keyfactor.ActionCreate] != 2 || a[keyfactor.ActionUpdate] != 1 || a[keyfactor.ActionDelete] != 1 {
		t.Errorf("applied plan = %+v", plan.Items)
	}
	if len(events) != 4 || events[3].Done != 4 || events[0].Total != 4 {
		t.Errorf("progress: %+v", events)
	}
	names := map[string]keyfactortest.Role{}
	for _, r := range srv.Roles() {
		names[r.Name] = r
	}
	if _, ok := names["Stray"]; ok || names["Break Glass"].Name == "" || names["Administrator"].Name == "" || len(names) != 5 {
		t.Errorf("stored after Sync: %v", names)
	}
	if got := names["Team 001"].Permissions; len(got) != 2 || got[1] != fmt.Sprintf("/certificates/collections/read/%d/", web) {
		t.Errorf("the collection name was not resolved: %v", got)
	}
	// A second run writes nothing.
	srv.ResetRequests()
	if plan, err = c.Roles.Sync(ctx, desired, opts); err != nil || writes(srv) != 0 || actions(plan)[keyfactor.ActionNone] != 3 {
		t.Errorf("second Sync: %v with %d writes; %+v", err, writes(srv), plan)
	}
}

func TestE2ESyncIsAllOrNothing(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	bad := []keyfactor.CreateRoleRequest{teamRole(0, "/portal/read/"), {Name: "x"}, teamRole(0), teamRole(3, "/Bad/")}
	srv.ResetRequests()
	_, err := c.Roles.Sync(ctx, bad, keyfactor.SyncOptions{})
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) || len(srv.Requests()) != 0 {
		t.Fatalf("Sync of bad roles: %v with %d requests", err, len(srv.Requests()))
	}
	for _, f := range []string{`desired[1]("x").Description`, `desired[2]("Team 000").Name`, `desired[3]("Team 003").Permissions[0]`} {
		if !ve.Has(f) {
			t.Errorf("%s not named in %v", f, err)
		}
	}
	// What only the server can tell (an unresolved name, a permission
	// outside its set) stops the run before any write too.
	srv.AddPermissionSet("6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31", "Readers", "/portal/read/")
	outside := teamRole(5, "/auditing/read/")
	outside.PermissionSetID = "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31"
	srv.ResetRequests()
	_, err = c.Roles.Sync(ctx, []keyfactor.CreateRoleRequest{teamRole(4, "/portal/read/"), outside,
		teamRole(6, "/certificates/collections/read/{collection:Nowhere}/")}, keyfactor.SyncOptions{})
	if !errors.As(err, &ve) || !ve.Has(`desired[1]("Team 005").Permissions[0]`) || !ve.Has(`desired[2]("Team 006").Permissions[0]`) ||
		writes(srv) != 0 || len(srv.Roles()) != 1 {
		t.Errorf("server-side checks: %v with %d writes", err, writes(srv))
	}
}

// TestE2ESyncUnderFaults: 300 desired roles, 20% of answers dropped after
// acting and 15% answered 503, prune on, a protected role outside the set;
// a job re-running Sync until it succeeds converges to exactly the desired
// set plus the protected and immutable roles, with no duplicate, and the
// next run makes zero writes.
func TestE2ESyncUnderFaults(t *testing.T) {
	srv := keyfactortest.NewServer(keyfactortest.WithSeed(2029))
	t.Cleanup(srv.Close)
	c := e2eClient(t, srv, keyfactor.Config{})
	ctx := context.Background()
	for i := range 40 { // 20 to update, 20 to prune
		srv.AddRole(keyfactortest.Role{Name: fmt.Sprintf("Team %03d", i*15), Description: "old"})
		srv.AddRole(keyfactortest.Role{Name: fmt.Sprintf("Retired %02d", i), Description: "d"})
	}
	srv.AddRole(keyfactortest.Role{Name: "Break Glass", Description: "d"})
	desired := make([]keyfactor.CreateRoleRequest, 300)
	for i := range desired {
		desired[i] = teamRole(i, "/portal/read/", fmt.Sprintf("/certificates/collections/read/%d/", i%50+1))
	}
	opts := keyfactor.SyncOptions{Prune: true, Protect: []string{"Break Glass"}, Concurrency: 16}
	srv.FailRandomly(0.20, keyfactortest.Fault{Drop: keyfactortest.DropAfterHandler})
	srv.FailRandomly(0.15, keyfactortest.Fault{Status: 503})
	runs, failed, stopped := 0, 0, 0
	for {
		runs++
		plan, err := c.Roles.Sync(ctx, desired, opts)
		if err == nil {
			break
		}
		if runs == 30 {
			t.Fatalf("run %d: %v", runs, err)
		}
		if plan == nil {
			// The list pass itself failed past its retries: the run stops
			// before planning, having written nothing, as a job would see.
			stopped++
			continue
		}
		for _, item := range plan.Items {
			if item.Err != nil {
				failed++
			}
		}
	}
	srv.ClearFaults()
	seen := map[string]int{}
	for _, r := range srv.Roles() {
		seen[strings.ToLower(r.Name)]++
	}
	if len(seen) != 302 || seen["break glass"] != 1 || seen["administrator"] != 1 {
		t.Errorf("%d distinct roles stored; want 300, the protected and the immutable one", len(seen))
	}
	for name, n := range seen {
		if n != 1 || strings.HasPrefix(name, "retired") {
			t.Errorf("%q stored %d times", name, n)
		}
	}
	for _, r := range srv.Roles() {
		var i int
		if _, err := fmt.Sscanf(r.Name, "Team %d", &i); err == nil && (!sameStrings(r.Permissions, desired[i].Permissions) || r.Description != "d") {
			t.Errorf("%s holds %+v", r.Name, r)
		}
	}
	srv.ResetRequests()
	if _, err := c.Roles.Sync(ctx, desired, opts); err != nil || writes(srv) != 0 {
		t.Errorf("the next run: %v with %d writes", err, writes(srv))
	}
	t.Logf("converged after %d runs (%d stopped before planning); %d items failed along the way and were re-run", runs, stopped, failed)
}
