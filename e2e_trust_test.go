package keyfactor_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// The promises the role lifecycle keeps when other writers, renames, case
// and lost answers get in the way.

// onRequest is a transport that runs fn before the nth request (counting
// from 1) that match selects.
type onRequest struct {
	base  http.RoundTripper
	match func(*http.Request) bool
	nth   int32
	fn    func()
	seen  *atomic.Int32
}

func (o onRequest) RoundTrip(r *http.Request) (*http.Response, error) {
	if o.match(r) && o.seen.Add(1) == o.nth {
		o.fn()
	}
	return o.base.RoundTrip(r)
}

var roleByID = regexp.MustCompile(`/Security/Roles/\d+$`)

// hookedClient returns a Client that runs fn before its nth GET of a role
// by id.
func hookedClient(t *testing.T, srv *keyfactortest.Server, nth int32, fn func()) *keyfactor.Client {
	t.Helper()
	match := func(r *http.Request) bool { return r.Method == "GET" && roleByID.MatchString(r.URL.Path) }
	return e2eClient(t, srv, keyfactor.Config{HTTPClient: &http.Client{
		Transport: onRequest{base: srv.Client().Transport, match: match, nth: nth, fn: fn, seen: new(atomic.Int32)}}})
}

func rename(t *testing.T, c *keyfactor.Client, id int, name string) {
	t.Helper()
	if _, err := c.Roles.Modify(context.Background(), id, func(r *keyfactor.Role) error { r.Name = name; return nil }); err != nil {
		t.Errorf("renaming role %d: %v", id, err)
	}
}

func writes(srv *keyfactortest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

func TestE2EARenamedRoleIsNeverAMatch(t *testing.T) {
	ctx := context.Background()

	t.Run("GetByName", func(t *testing.T) {
		srv, other := newE2E(t)
		role, _ := other.Roles.Create(ctx, mixedClaimsRole("Alpha"))
		c := hookedClient(t, srv, 1, func() { rename(t, other, role.ID, "Beta") })
		got, err := c.Roles.GetByName(ctx, "Alpha")
		if !errors.Is(err, keyfactor.ErrNotFound) || got != nil || !strings.Contains(err.Error(), `reads as "Beta"`) {
			t.Fatalf("GetByName = %+v, %v", got, err)
		}
	})

	t.Run("Apply does not overwrite the role renamed between the list and the GET", func(t *testing.T) {
		srv, other := newE2E(t)
		beta := mixedClaimsRole("Alpha")
		role, _ := other.Roles.Create(ctx, beta)
		c := hookedClient(t, srv, 1, func() { rename(t, other, role.ID, "Beta") })
		desired := mixedClaimsRole("Alpha")
		desired.Description, desired.Permissions = "another team's Alpha", []string{"/dashboard/read/"}
		plan, got, err := c.Roles.Apply(ctx, desired)
		if err != nil || plan.Action != keyfactor.ActionCreate || got.ID == role.ID {
			t.Fatalf("Apply = %+v, %+v, %v; want a new role", plan, got, err)
		}
		kept, _ := other.Roles.Get(ctx, role.ID)
		if kept.Name != "Beta" || kept.Description != beta.Description || !slices.Contains(kept.Permissions, "/portal/read/") {
			t.Errorf("the renamed role was changed: %+v", kept)
		}
	})

	t.Run("Apply does not update a role renamed after its plan", func(t *testing.T) {
		srv, other := newE2E(t)
		role, _ := other.Roles.Create(ctx, mixedClaimsRole("Alpha"))
		// The plan's GET is the first; Modify's the second.
		c := hookedClient(t, srv, 2, func() { rename(t, other, role.ID, "Beta") })
		desired := mixedClaimsRole("Alpha")
		desired.Description = "changed"
		srv.ResetRequests()
		_, _, err := c.Roles.Apply(ctx, desired)
		if !errors.Is(err, keyfactor.ErrConflict) || !strings.Contains(err.Error(), `now named "Beta"`) {
			t.Fatalf("Apply = %v, want ErrConflict naming the rename", err)
		}
		if kept, _ := other.Roles.Get(ctx, role.ID); kept.Name != "Beta" || kept.Description != "Operators of the issuing CAs" {
			t.Errorf("the renamed role was changed: %+v", kept)
		}
	})

	t.Run("Create's recovery does not return a role renamed meanwhile", func(t *testing.T) {
		srv, other := newE2E(t)
		srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Security/Roles", Drop: keyfactortest.DropAfterHandler})
		c := hookedClient(t, srv, 1, func() {
			r, err := other.Roles.GetByName(ctx, "Gamma")
			if err != nil {
				t.Errorf("the dropped create did not land: %v", err)
				return
			}
			rename(t, other, r.ID, "Renamed")
		})
		got, err := c.Roles.Create(ctx, mixedClaimsRole("Gamma"))
		if !errors.Is(err, keyfactor.ErrOutcomeUnknown) || got != nil {
			t.Fatalf("Create = %+v, %v; want the outcome-unknown error, not the renamed role", got, err)
		}
	})
}

func TestE2EModifyKeepsEveryWrite(t *testing.T) {
	ctx := context.Background()

	t.Run("a lost answer is verified, not re-sent over another writer's change", func(t *testing.T) {
		srv, other := newE2E(t)
		role, _ := other.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		srv.FailNext(1, keyfactortest.Fault{Method: "PUT", Path: "/Security/Roles", Drop: keyfactortest.DropAfterHandler})
		var once atomic.Bool
		c := modifyClient(t, srv, nil, func() {
			// Modify's PUT has landed and its answer is lost; another
			// writer changes the role before Modify goes on.
			if once.CompareAndSwap(false, true) {
				if _, err := other.Roles.Modify(ctx, role.ID, addPermission("/reports/read/")); err != nil {
					t.Errorf("other writer: %v", err)
				}
			}
		})
		got, err := c.Roles.Modify(ctx, role.ID, addPermission("/auditing/read/"))
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := other.Roles.Get(ctx, role.ID)
		for _, p := range []string{"/auditing/read/", "/reports/read/"} {
			if !slices.Contains(got.Permissions, p) || !slices.Contains(stored.Permissions, p) {
				t.Errorf("%s lost: Modify returned %v, the server holds %v", p, got.Permissions, stored.Permissions)
			}
		}
	})

	t.Run("a change of case alone is written", func(t *testing.T) {
		srv, c := newE2E(t)
		role, _ := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		srv.ResetRequests()
		got, err := c.Roles.Modify(ctx, role.ID, func(r *keyfactor.Role) error {
			r.Claims[0].ClaimValue = "PKI-Operators"
			return nil
		})
		if err != nil || countRequests(srv, "PUT", "") != 1 {
			t.Fatalf("Modify = %v with %d PUTs, want one", err, countRequests(srv, "PUT", ""))
		}
		if got.Claims[0].ClaimValue != "PKI-Operators" && got.Claims[1].ClaimValue != "PKI-Operators" {
			t.Errorf("claims = %+v", got.Claims)
		}
	})

	t.Run("concurrent Modify calls on one Client lose nothing", func(t *testing.T) {
		srv, c := newE2E(t, keyfactortest.WithLatency(2*time.Millisecond))
		role, _ := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		srv.ResetRequests()
		perms := []string{"/auditing/read/", "/reports/read/", "/dashboard/read/", "/scripts/read/"}
		var wg sync.WaitGroup
		errs := make([]error, len(perms))
		for i, p := range perms {
			wg.Go(func() { _, errs[i] = c.Roles.Modify(ctx, role.ID, addPermission(p)) })
		}
		wg.Wait()
		stored, _ := c.Roles.Get(ctx, role.ID)
		for i, p := range perms {
			if errs[i] != nil || !slices.Contains(stored.Permissions, p) {
				t.Errorf("%s: err %v; the server holds %v", p, errs[i], stored.Permissions)
			}
		}
		// One at a time, each round succeeds first time: one PUT each.
		if n := countRequests(srv, "PUT", ""); n != len(perms) {
			t.Errorf("%d PUTs, want %d", n, len(perms))
		}
	})
}

func TestE2EApplyFindsRolesAsTheServerDoes(t *testing.T) {
	ctx := context.Background()

	t.Run("a name differing in case converges", func(t *testing.T) {
		srv, c := newE2E(t)
		stored, _ := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		desired := mixedClaimsRole("pki operators")
		plan, got, err := c.Roles.Apply(ctx, desired)
		if err != nil || plan.Action != keyfactor.ActionUpdate || got.ID != stored.ID || got.Name != "pki operators" {
			t.Fatalf("Apply = %+v, %+v, %v", plan, got, err)
		}
		if len(plan.Changes) != 1 || plan.Changes[0].Field != "Name" || plan.Changes[0].Old != "PKI Operators" {
			t.Errorf("changes = %+v, want the Name alone", plan.Changes)
		}
		srv.ResetRequests()
		if plan, _, err := c.Roles.Apply(ctx, desired); err != nil || plan.Action != keyfactor.ActionNone || writes(srv) != 0 {
			t.Errorf("second Apply = %+v, %v with %d writes", plan, err, writes(srv))
		}
	})

	t.Run("two stored names differing in case are an error naming both", func(t *testing.T) {
		srv, c := newE2E(t)
		a := srv.AddRole(keyfactortest.Role{Name: "Dup", Description: "d"})
		b := srv.AddRole(keyfactortest.Role{Name: "DUP", Description: "d"})
		_, err := c.Roles.Plan(ctx, keyfactor.CreateRoleRequest{Name: "dup", Description: "d"})
		if err == nil || !strings.Contains(err.Error(), "ids "+strconv.Itoa(a)+", "+strconv.Itoa(b)) {
			t.Errorf("Plan = %v", err)
		}
	})
}

func TestE2ENilMeansNotManaged(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	full := mixedClaimsRole("PKI Operators")
	role, _ := c.Roles.Create(ctx, full)

	desired := keyfactor.CreateRoleRequest{Name: full.Name, Description: "new text", EmailAddress: full.EmailAddress}
	plan, got, err := c.Roles.Apply(ctx, desired)
	if err != nil || len(plan.Changes) != 1 || plan.Changes[0].Field != "Description" {
		t.Fatalf("Apply = %+v, %v", plan, err)
	}
	if len(got.Permissions) != 2 || len(got.Claims) != 2 {
		t.Errorf("nil Permissions and Claims were not kept: %+v", got)
	}
	srv.ResetRequests()
	if plan, _, _ := c.Roles.Apply(ctx, desired); plan.Action != keyfactor.ActionNone || writes(srv) != 0 {
		t.Errorf("second Apply = %+v with %d writes", plan, writes(srv))
	}
	// An empty, non-nil slice means none.
	desired.Permissions, desired.Claims = []string{}, []keyfactor.Claim{}
	if _, got, err = c.Roles.Apply(ctx, desired); err != nil || len(got.Permissions) != 0 || len(got.Claims) != 0 {
		t.Errorf("empty slices = %+v, %v", got, err)
	}
	if stored, _ := c.Roles.Get(ctx, role.ID); len(stored.Permissions) != 0 || len(stored.Claims) != 0 {
		t.Errorf("stored = %+v", stored)
	}
}
