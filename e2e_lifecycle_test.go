package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// countRequests counts the recorded requests of one method (and path, when
// set, relative to the API path).
func countRequests(srv *keyfactortest.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && (path == "" || strings.EqualFold(strings.TrimPrefix(r.Path, keyfactortest.DefaultAPIPath), path)) {
			n++
		}
	}
	return n
}

func TestE2EListEveryPage(t *testing.T) {
	srv, c := newE2E(t)
	for i := range 2345 {
		srv.AddRole(keyfactortest.Role{Name: fmt.Sprintf("Role %04d", i), Description: "d"})
	}
	ctx := context.Background()
	seen := map[int]int{}
	for r, err := range c.Roles.List(ctx, keyfactor.ListRolesOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[r.ID]++
	}
	// 2,345 roles and the built-in Administrator, 100 a page: 24 GETs, the
	// last one short.
	if len(seen) != 2346 || countRequests(srv, "GET", "/Security/Roles") != 24 {
		t.Errorf("saw %d roles in %d GETs", len(seen), countRequests(srv, "GET", "/Security/Roles"))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("role %d seen %d times", id, n)
		}
	}

	srv.ResetRequests()
	n := 0
	for _, err := range c.Roles.List(ctx, keyfactor.ListRolesOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("breaking after 3 roles sent %d GETs, want 1", got)
	}

	// A query and a sort reach the server in its spelling.
	var names []string
	for r, err := range c.Roles.List(ctx, keyfactor.ListRolesOptions{Query: `Name -startswith "Role 000"`, Descending: true}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, r.Name)
	}
	if len(names) != 10 || names[0] != "Role 0009" || names[9] != "Role 0000" {
		t.Errorf("query and sort gave %v", names)
	}
}

func TestE2EGetByNameUpdateDelete(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	created, err := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
	if err != nil {
		t.Fatal(err)
	}
	srv.AddRole(keyfactortest.Role{Name: "pki operators (legacy)", Description: "d"})
	got, err := c.Roles.GetByName(ctx, "PKI Operators")
	if err != nil || got.ID != created.ID || len(got.Claims) != 2 || got.Description == "" {
		t.Fatalf("GetByName = %+v, %v", got, err)
	}
	if _, err := c.Roles.GetByName(ctx, "pki operators"); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("case-insensitive name: %v", err)
	}
	admin, err := c.Roles.GetByName(ctx, keyfactortest.AdministratorRoleName)
	if err != nil || !admin.Immutable || admin.ID != keyfactortest.AdministratorRoleID {
		t.Errorf("Administrator = %+v, %v", admin, err)
	}

	// Update replaces the role; what a role read back carries goes back as is.
	got.Description = "Operators, EU and US"
	got.Permissions = append(got.Permissions, "/auditing/read/")
	updated, err := c.Roles.Update(ctx, keyfactor.UpdateRoleRequest{ID: got.ID, Name: got.Name, Description: got.Description,
		EmailAddress: got.EmailAddress, PermissionSetID: got.PermissionSetID, Permissions: got.Permissions, Claims: got.Claims})
	if err != nil || updated.Description != "Operators, EU and US" || len(updated.Permissions) != 3 || len(updated.Claims) != 2 {
		t.Fatalf("Update = %+v, %v", updated, err)
	}
	// Clearing claims is explicit.
	cleared, err := c.Roles.Update(ctx, keyfactor.UpdateRoleRequest{ID: got.ID, Name: got.Name, Description: "d",
		Permissions: got.Permissions, Claims: []keyfactor.Claim{}})
	if err != nil || len(cleared.Claims) != 0 || len(cleared.Permissions) != 3 {
		t.Fatalf("clear claims: %+v, %v", cleared, err)
	}
	// The built-in role is refused by the server.
	_, err = c.Roles.Update(ctx, keyfactor.UpdateRoleRequest{ID: admin.ID, Name: admin.Name, Description: "mine now",
		Permissions: admin.Permissions, Claims: admin.Claims})
	var apiErr *keyfactor.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "immutable") {
		t.Errorf("Update(Administrator) = %v", err)
	}

	// Delete, with the answer lost after the server acted: the retry's 404
	// means done.
	srv.FailNext(1, keyfactortest.Fault{Method: "DELETE", Drop: keyfactortest.DropAfterHandler})
	if err := c.Roles.Delete(ctx, created.ID); err != nil {
		t.Fatalf("Delete after a lost answer: %v", err)
	}
	if countRequests(srv, "DELETE", "") != 2 {
		t.Errorf("%d DELETEs, want 2", countRequests(srv, "DELETE", ""))
	}
	if err := c.Roles.Delete(ctx, created.ID); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	if err := c.Roles.Delete(ctx, admin.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("Delete(Administrator) = %v", err)
	}
}

// TestE2EUpdateWithoutSliceGuardWouldWipe shows why Update refuses nil
// slices: the fake, like Command, clears what a PUT leaves out.
func TestE2EUpdateWithoutSliceGuardWouldWipe(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	role, err := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Roles.Update(ctx, keyfactor.UpdateRoleRequest{ID: role.ID, Name: role.Name, Description: "new"})
	if !errors.Is(err, keyfactor.ErrValidation) || countRequests(srv, "PUT", "") != 0 {
		t.Fatalf("nil slices: %v", err)
	}
	stored, _ := c.Roles.Get(ctx, role.ID)
	if len(stored.Permissions) != 2 || len(stored.Claims) != 2 {
		t.Errorf("stored = %+v", stored)
	}
}

// hookTransport calls before and after around each request of one method.
type hookTransport struct {
	base          http.RoundTripper
	method        string
	before, after func()
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == h.method && h.before != nil {
		h.before()
	}
	resp, err := h.base.RoundTrip(r)
	if r.Method == h.method && h.after != nil {
		h.after()
	}
	return resp, err
}

// modifyClient returns a Client whose PUTs run hooks, for placing a second
// writer at a chosen point of Modify.
func modifyClient(t *testing.T, srv *keyfactortest.Server, before, after func()) *keyfactor.Client {
	t.Helper()
	return e2eClient(t, srv, keyfactor.Config{
		HTTPClient: &http.Client{Transport: hookTransport{base: srv.Client().Transport, method: "PUT", before: before, after: after}}})
}

func addPermission(p string) func(*keyfactor.Role) error {
	return func(r *keyfactor.Role) error {
		if !slices.Contains(r.Permissions, p) {
			r.Permissions = append(r.Permissions, p)
		}
		return nil
	}
}

func TestE2EModify(t *testing.T) {
	ctx := context.Background()
	setDescription := func(c *keyfactor.Client, id int, d string) {
		if _, err := c.Roles.Modify(ctx, id, func(r *keyfactor.Role) error { r.Description = d; return nil }); err != nil {
			t.Errorf("second writer: %v", err)
		}
	}

	t.Run("a writer after the PUT is seen and both changes kept", func(t *testing.T) {
		srv, other := newE2E(t)
		role, _ := other.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		var writes atomic.Int32
		c := modifyClient(t, srv, nil, func() {
			if writes.Add(1) == 1 {
				setDescription(other, role.ID, "changed by another writer")
			}
		})
		got, err := c.Roles.Modify(ctx, role.ID, addPermission("/auditing/read/"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Description != "changed by another writer" || !slices.Contains(got.Permissions, "/auditing/read/") ||
			len(got.Claims) != 2 || len(got.Permissions) != 3 {
			t.Errorf("Modify = %+v", got)
		}
		// Modify's PUT, the other writer's; the second round had nothing to write.
		if n := countRequests(srv, "PUT", ""); n != 2 {
			t.Errorf("%d PUTs, want 2", n)
		}
	})

	t.Run("a writer after every PUT: three rounds, then ErrConflict", func(t *testing.T) {
		srv, other := newE2E(t)
		role, _ := other.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		var writes atomic.Int32
		c := modifyClient(t, srv, nil, func() {
			setDescription(other, role.ID, fmt.Sprintf("changed %d times", writes.Add(1)))
		})
		_, err := c.Roles.Modify(ctx, role.ID, func(r *keyfactor.Role) error {
			r.Permissions = []string{"/portal/read/"} // differs from what the other writer leaves
			r.Description = "mine"
			return nil
		})
		if !errors.Is(err, keyfactor.ErrConflict) || !strings.Contains(err.Error(), "3 attempts") {
			t.Fatalf("err = %v, want ErrConflict after 3 attempts", err)
		}
		if writes.Load() != 3 {
			t.Errorf("Modify wrote %d times, want 3", writes.Load())
		}
	})

	t.Run("a writer between the read and the PUT is overwritten (documented limit)", func(t *testing.T) {
		srv, other := newE2E(t)
		role, _ := other.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		var once atomic.Bool
		c := modifyClient(t, srv, func() {
			if once.CompareAndSwap(false, true) {
				setDescription(other, role.ID, "lost")
			}
		}, nil)
		got, err := c.Roles.Modify(ctx, role.ID, addPermission("/auditing/read/"))
		if err != nil || got.Description != "Operators of the issuing CAs" {
			t.Errorf("Modify = %+v, %v", got, err)
		}
	})

	t.Run("no change, no write; an error from change aborts", func(t *testing.T) {
		srv, c := newE2E(t)
		role, _ := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
		if _, err := c.Roles.Modify(ctx, role.ID, addPermission("/portal/read/")); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if _, err := c.Roles.Modify(ctx, role.ID, func(*keyfactor.Role) error { return boom }); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
		if n := countRequests(srv, "PUT", ""); n != 0 {
			t.Errorf("%d PUTs, want none", n)
		}
	})
}
