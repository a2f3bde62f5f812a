package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func oauthClaim(value string) keyfactor.Claim {
	return keyfactor.Claim{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: value, ProviderAuthenticationScheme: "Keycloak"}
}

func TestE2EClaims(t *testing.T) {
	_, c := newE2E(t)
	ctx := context.Background()
	created, err := c.Claims.Create(ctx, keyfactor.Claim{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-ops",
		ProviderAuthenticationScheme: "Keycloak", Description: "PKI operators"})
	if err != nil || created.ID == 0 || created.Provider == nil {
		t.Fatalf("Create = %+v, %v", created, err)
	}
	if _, err := c.Claims.Create(ctx, oauthClaim("pki-ops")); err == nil {
		t.Error("a second claim of the same identity was created")
	}
	if got, err := c.Claims.Get(ctx, created.ID); err != nil || got.ClaimValue != "pki-ops" {
		t.Errorf("Get = %+v, %v", got, err)
	}
	found, err := c.Claims.Find(ctx, keyfactor.ClaimOAuthRole, "pki-ops", "Keycloak")
	if err != nil || found.ID != created.ID {
		t.Errorf("Find = %+v, %v", found, err)
	}
	if _, err := c.Claims.Find(ctx, keyfactor.ClaimOAuthRole, "pki-ops", "Okta"); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("Find with another scheme: %v", err)
	}
	if got, err := c.Claims.SetDescription(ctx, created.ID, "PKI operators (EU)"); err != nil || got.Description != "PKI operators (EU)" {
		t.Errorf("SetDescription = %+v, %v", got, err)
	}

	// A role holding the claim holds the same object: the same id.
	role, err := c.Roles.Create(ctx, keyfactor.CreateRoleRequest{Name: "Ops", Description: "d",
		Claims: []keyfactor.Claim{{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak",
			Description: "PKI operators (EU)"}}})
	if err != nil || role.Claims[0].ID != created.ID {
		t.Fatalf("a role's claim: %+v, %v", role, err)
	}
	roles, err := c.Claims.Roles(ctx, *created)
	if err != nil || len(roles) != 1 || roles[0].ID != role.ID {
		t.Errorf("Roles = %+v, %v", roles, err)
	}
	if err := c.Claims.Delete(ctx, created.ID); err == nil {
		t.Error("a claim a role holds was deleted")
	}
	if _, err := c.Roles.RemoveClaim(ctx, role.ID, oauthClaim("PKI-OPS")); err != nil {
		t.Fatal(err)
	}
	if err := c.Claims.Delete(ctx, created.ID); err != nil {
		t.Errorf("Delete once no role holds it: %v", err)
	}
	n := 0
	for _, err := range c.Claims.List(ctx, keyfactor.ListClaimsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 { // the administrator's
		t.Errorf("%d claims listed", n)
	}
}

func TestE2EAddClaimNeverTwice(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	role, _ := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
	got, err := c.Roles.AddClaim(ctx, role.ID, oauthClaim("auditors"))
	if err != nil || len(got.Claims) != 3 || len(got.Permissions) != 2 || got.Description != "Operators of the issuing CAs" {
		t.Fatalf("AddClaim = %+v, %v", got, err)
	}
	srv.ResetRequests()
	// Already held, also in another case: no write.
	for _, cl := range []keyfactor.Claim{oauthClaim("auditors"), oauthClaim("AUDITORS")} {
		if got, err := c.Roles.AddClaim(ctx, role.ID, cl); err != nil || len(got.Claims) != 3 {
			t.Errorf("AddClaim again: %+v, %v", got, err)
		}
	}
	if n := countRequests(srv, "PUT", ""); n != 0 {
		t.Errorf("adding a held claim made %d PUTs", n)
	}
	if _, err := c.Roles.RemoveClaim(ctx, role.ID, oauthClaim("nobody")); err != nil || countRequests(srv, "PUT", "") != 0 {
		t.Errorf("removing a claim not held: %v", err)
	}
}

func TestE2EEightGoroutinesAddClaims(t *testing.T) {
	_, c := newE2E(t, keyfactortest.WithLatency(2*time.Millisecond))
	ctx := context.Background()
	role, _ := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() { _, errs[i] = c.Roles.AddClaim(ctx, role.ID, oauthClaim(fmt.Sprintf("team-%d", i))) })
	}
	wg.Wait()
	stored, _ := c.Roles.Get(ctx, role.ID)
	seen := map[string]int{}
	for _, cl := range stored.Claims {
		seen[strings.ToLower(cl.ClaimValue)]++
	}
	for i := range 8 {
		if v := fmt.Sprintf("team-%d", i); errs[i] != nil || seen[v] != 1 {
			t.Errorf("%s: err %v, held %d times", v, errs[i], seen[v])
		}
	}
	if len(stored.Claims) != 10 {
		t.Errorf("%d claims on the role, want 10", len(stored.Claims))
	}
}

// TestE2EFiftyClaimsUnderDrops: 20% of answers dropped after acting; a job
// creating 50 claims (re-running what failed) makes exactly 50.
func TestE2EFiftyClaimsUnderDrops(t *testing.T) {
	srv := keyfactortest.NewServer(keyfactortest.WithSeed(2026))
	t.Cleanup(srv.Close)
	c := e2eClient(t, srv, keyfactor.Config{})
	ctx := context.Background()
	srv.FailRandomly(0.20, keyfactortest.Fault{Drop: keyfactortest.DropAfterHandler})
	failures := 0
	for i := range 50 {
		value := fmt.Sprintf("team-%02d", i)
		for try := 1; ; try++ {
			_, err := c.Claims.Create(ctx, oauthClaim(value))
			if err == nil {
				break
			}
			// A sync job re-runs what failed, looking first.
			if _, lookErr := c.Claims.Find(ctx, keyfactor.ClaimOAuthRole, value, "Keycloak"); lookErr == nil {
				break
			}
			failures++
			if try == 20 {
				t.Fatalf("claim %d: %v", i, err)
			}
		}
	}
	srv.ClearFaults()
	n := 0
	for cl, err := range c.Claims.List(ctx, keyfactor.ListClaimsOptions{Query: `ClaimValue -startswith "team-"`}) {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cl.ClaimValue, "team-") {
			t.Errorf("listed %+v", cl)
		}
		n++
	}
	drops, postDrops := 0, 0
	for _, r := range srv.Requests() {
		if r.Fault != nil {
			drops++
			if r.Method == "POST" {
				postDrops++
			}
		}
	}
	if n != 50 || drops < 10 || postDrops < 3 {
		t.Errorf("%d claims stored (want 50); %d answers dropped, %d of them to a POST", n, drops, postDrops)
	}
	t.Logf("%d answers dropped after acting, %d of them to a POST; %d creates failed and were re-run", drops, postDrops, failures)
}

func TestE2ECollectionsAndContainers(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	created, err := c.Collections.Create(ctx, keyfactor.CreateCollectionRequest{Name: "Web Servers", Description: "web",
		Query: `TemplateName -eq "WebServer"`, DuplicationField: 1})
	if err != nil || created.Query != `TemplateName -eq "WebServer"` {
		t.Fatalf("Create = %+v, %v", created, err)
	}
	got, err := c.Collections.Get(ctx, created.ID)
	if err != nil || got.Query != "" || got.Content != created.Query || got.DuplicationField != 1 {
		t.Errorf("Get (reads never return Query) = %+v, %v", got, err)
	}
	if got, err := c.Collections.GetByName(ctx, "Web Servers"); err != nil || got.ID != created.ID {
		t.Errorf("GetByName = %+v, %v", got, err)
	}
	updated, err := c.Collections.Update(ctx, keyfactor.UpdateCollectionRequest{ID: created.ID, Name: "Web Servers",
		Query: created.Query, Favorite: true})
	if err != nil || !updated.Favorite || updated.Description != "" {
		t.Errorf("Update (a full replace) = %+v, %v", updated, err)
	}
	copied, err := c.Collections.Copy(ctx, keyfactor.CopyCollectionRequest{CopyFromID: created.ID, Name: "Web Servers EU"})
	if err != nil || copied.Query != created.Query {
		t.Errorf("Copy = %+v, %v", copied, err)
	}
	if err := c.Collections.Delete(ctx, copied.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Collections.Delete(ctx, copied.ID); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("second Delete = %v", err)
	}
	// An owner scope naming no collection is refused.
	srv.AddCertificate(keyfactortest.Certificate{ID: 1})
	err = c.Certificates.UpdateOwner(ctx, 1, keyfactor.UpdateOwnerRequest{NewRoleID: keyfactor.Ptr(1), CollectionID: 999})
	if err == nil || !strings.Contains(err.Error(), "collection 999 does not exist") {
		t.Errorf("an unknown collection scope: %v", err)
	}

	id := srv.AddContainer(keyfactortest.Container{Name: "IIS Farm", CertStoreType: 5, IntervalMinutes: 720})
	srv.AddCertificate(keyfactortest.Certificate{ID: 2, ContainerID: id})
	listed := 0
	for ct, err := range c.Containers.List(ctx, keyfactor.ListContainersOptions{}) {
		if err != nil || ct.Name != "IIS Farm" || ct.Schedule != "*/720 * * * *" || ct.StoreCount != 1 {
			t.Errorf("List = %+v, %v", ct, err)
		}
		listed++
	}
	ct, err := c.Containers.Get(ctx, id)
	if err != nil || ct.Schedule != `{"Interval":{"Minutes":720}}` || listed != 1 {
		t.Errorf("Get = %+v, %v", ct, err)
	}
	// A Command answering only /Applications.
	apps := keyfactortest.NewServer(keyfactortest.WithApplicationsOnly())
	t.Cleanup(apps.Close)
	apps.AddContainer(keyfactortest.Container{Name: "F5 Pool", CertStoreType: 7})
	ac := e2eClient(t, apps, keyfactor.Config{})
	if got, err := ac.Containers.GetByName(ctx, "F5 Pool"); err != nil || got.CertStoreType != 7 {
		t.Errorf("GetByName on /Applications = %+v, %v", got, err)
	}
}
