package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// fastRetry is the internal tests' policy, so no test sleeps.
var fastRetry = keyfactor.FastRetry

// newE2E starts a fake server (TLS, the way a real one is reached) and a
// Client for its administrator.
func newE2E(t *testing.T, opts ...keyfactortest.Option) (*keyfactortest.Server, *keyfactor.Client) {
	t.Helper()
	srv := keyfactortest.NewTLSServer(opts...)
	t.Cleanup(srv.Close)
	return srv, e2eClient(t, srv, keyfactor.Config{UserAgent: "e2e-test/1"})
}

// e2eClient is the one way the end-to-end tests build a Client for a fake
// server: cfg with the server's URL and trust, fast retries and, unless cfg
// sets them, the administrator's credentials.
func e2eClient(t *testing.T, srv *keyfactortest.Server, cfg keyfactor.Config) *keyfactor.Client {
	t.Helper()
	cfg.BaseURL = srv.URL
	cfg.AllowInsecureHTTP = strings.HasPrefix(srv.URL, "http:")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.Client()
	}
	if cfg.Auth == nil {
		cfg.Auth = keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword}
	}
	if cfg.Retry == (keyfactor.RetryPolicy{}) {
		cfg.Retry = fastRetry
	}
	c, err := keyfactor.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mixedClaimsRole(name string) keyfactor.CreateRoleRequest {
	return keyfactor.CreateRoleRequest{
		Name:         name,
		Description:  "Operators of the issuing CAs",
		EmailAddress: "pki-ops@keyexample.com",
		Permissions:  []string{"/portal/read/", keyfactor.CollectionPermission("change_owner", 5)},
		Claims: []keyfactor.Claim{
			{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-operators", ProviderAuthenticationScheme: "Keycloak"},
			{ClaimType: keyfactor.ClaimGroup, ClaimValue: `KEYEXAMPLE\PKI Operators`, ProviderAuthenticationScheme: "Active Directory",
				Description: "AD group"},
		},
	}
}

func TestE2ERoles(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()

	created, err := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || len(created.Claims) != 2 || created.Claims[0].ClaimType != keyfactor.ClaimOAuthRole ||
		created.Claims[1].ProviderAuthenticationScheme != "Active Directory" || created.PermissionSetID != keyfactortest.GlobalPermissionSetID {
		t.Fatalf("created = %+v", created)
	}
	got, err := c.Roles.Get(ctx, created.ID)
	if err != nil || got.Name != "PKI Operators" || len(got.Permissions) != 2 {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	clone, err := c.Roles.Clone(ctx, created.ID, keyfactor.CloneRoleRequest{Name: "PKI Operators (EU)"})
	if err != nil {
		t.Fatal(err)
	}
	stored := srv.Roles()
	stored = stored[1:] // after the built-in Administrator
	if len(stored) != 2 || clone.ID != stored[1].ID {
		t.Fatalf("stored = %+v", stored)
	}
	// The clone carries the source's definition, claims converted back.
	src, dst := stored[0], stored[1]
	if dst.Description != src.Description || dst.EmailAddress != src.EmailAddress ||
		fmt.Sprint(dst.Permissions) != fmt.Sprint(src.Permissions) || fmt.Sprint(dst.Claims) != fmt.Sprint(src.Claims) {
		t.Errorf("clone differs from source:\n%+v\n%+v", src, dst)
	}

	v1, err := c.Roles.CreateV1(ctx, keyfactor.CreateRoleV1Request{Name: "Legacy", Description: "d",
		Enabled: keyfactor.Ptr(true), Permissions: []string{"Certificates:Read"},
		Identities: []keyfactor.IdentityRef{{AccountName: `KEYEXAMPLE\jsmith`, SID: "S-1-5-21-1-2-3-1105"}}})
	if err != nil || !v1.Enabled || len(v1.Identities) != 1 || v1.Identities[0].SID != "S-1-5-21-1-2-3-1105" {
		t.Fatalf("CreateV1 = %+v, %v", v1, err)
	}
	copied, err := c.Roles.CopyV1(ctx, v1.ID, keyfactor.CopyRoleV1Request{Name: "Legacy copy", Description: "d2"})
	if err != nil || copied.Name != "Legacy copy" || len(copied.Identities) != 1 || copied.Permissions[0] != "Certificates:Read" {
		t.Fatalf("CopyV1 = %+v, %v", copied, err)
	}

	// The server's own rules come back as *APIError with its message.
	_, err = c.Roles.Create(ctx, mixedClaimsRole("pki operators"))
	var apiErr *keyfactor.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "already exists") {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := c.Roles.Get(ctx, 999); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("Get(999) = %v", err)
	}
	if len(srv.Roles()) != 5 {
		t.Errorf("%d roles stored", len(srv.Roles()))
	}
}

func TestE2EOwners(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	role, err := c.Roles.Create(ctx, mixedClaimsRole("Owners"))
	if err != nil {
		t.Fatal(err)
	}
	srv.AddCertificate(keyfactortest.Certificate{ID: 42, CollectionIDs: []int{5}, ContainerID: 9})
	srv.AddCertificate(keyfactortest.Certificate{ID: 43, OwnerRoleID: role.ID, OwnerRequired: true})

	if err := c.Certificates.UpdateOwner(ctx, 42, keyfactor.UpdateOwnerRequest{NewRoleID: keyfactor.Ptr(role.ID)}); err != nil {
		t.Fatal(err)
	}
	if owner, _ := srv.Owner(42); owner != role.ID {
		t.Fatalf("owner = %d", owner)
	}
	if err := c.Certificates.ClearOwner(ctx, 42, keyfactor.OwnerScope{CollectionID: 5}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Owner(42); ok {
		t.Fatal("owner not cleared")
	}
	if err := c.Certificates.UpdateOwner(ctx, 42, keyfactor.UpdateOwnerRequest{NewRoleName: keyfactor.Ptr("Owners"),
		CollectionID: 5, ContainerID: 9}); err != nil {
		t.Fatal(err)
	}
	if owner, _ := srv.Owner(42); owner != role.ID {
		t.Fatalf("owner by name = %d", owner)
	}

	err = c.Certificates.ClearOwner(ctx, 43, keyfactor.OwnerScope{})
	var apiErr *keyfactor.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "required by policy") {
		t.Errorf("clearing a required owner: %v", err)
	}
	if err := c.Certificates.ClearOwner(ctx, 4040, keyfactor.OwnerScope{}); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("unknown certificate: %v", err)
	}

	// A user allowed to change owners in collection 5 only.
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\col5`, Password: "pw-col5",
		Permissions: []string{keyfactor.CollectionPermission("change_owner", 5)}})
	limited := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: "col5", Domain: "KEYEXAMPLE", Password: "pw-col5"}})
	if err := limited.Certificates.ClearOwner(ctx, 42, keyfactor.OwnerScope{CollectionID: 5}); err != nil {
		t.Errorf("in its collection: %v", err)
	}
	err = limited.Certificates.UpdateOwner(ctx, 42, keyfactor.UpdateOwnerRequest{NewRoleID: keyfactor.Ptr(role.ID), CollectionID: 6})
	if !errors.Is(err, keyfactor.ErrForbidden) || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "change_owner") {
		t.Errorf("outside its collection: %v", err)
	}
	bad := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: "col5", Domain: "KEYEXAMPLE", Password: "wrong"}})
	if err := bad.Certificates.ClearOwner(ctx, 42, keyfactor.OwnerScope{}); !errors.Is(err, keyfactor.ErrUnauthorized) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestE2EWireHeaders(t *testing.T) {
	srv, c := newE2E(t, keyfactortest.WithAPIPath("Keyfactor/API"))
	srv.AddCertificate(keyfactortest.Certificate{ID: 1})
	if err := c.Certificates.ClearOwner(context.Background(), 1, keyfactor.OwnerScope{}); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Path != "/Keyfactor/API/Certificates/1/Owner" || r.Header.Get("x-keyfactor-requested-with") != "APIClient" ||
		r.Header.Get("x-keyfactor-api-version") != "1.0" || r.Header.Get("User-Agent") != "e2e-test/1 keyfactor-go/"+keyfactor.Version ||
		string(r.Body) != "{}" {
		t.Errorf("request = %+v (body %s)", r, r.Body)
	}
}

func TestE2ERetriesRecover(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	srv.AddCertificate(keyfactortest.Certificate{ID: 1})
	role, err := c.Roles.Create(ctx, mixedClaimsRole("Owners"))
	if err != nil {
		t.Fatal(err)
	}

	srv.ResetRequests()
	srv.FailNext(2, keyfactortest.Fault{Method: "PUT", Status: 429, RetryAfter: "1"})
	if err := c.Certificates.UpdateOwner(ctx, 1, keyfactor.UpdateOwnerRequest{NewRoleID: keyfactor.Ptr(role.ID)}); err != nil {
		t.Fatalf("after two 429s: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	srv.ResetRequests()
	srv.FailNext(2, keyfactortest.Fault{Method: "POST", Path: "/Security/Roles", Status: 503})
	if _, err := c.Roles.Create(ctx, mixedClaimsRole("After 503")); err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	srv.FailNext(10, keyfactortest.Fault{Method: "POST", Status: 503, Message: "Maintenance window"})
	_, err = c.Roles.Create(ctx, mixedClaimsRole("Never"))
	var apiErr *keyfactor.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Message != "Maintenance window" {
		t.Errorf("after the last retry: %v", err)
	}
}

func TestE2ECreateSurvivesALostAnswer(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()

	// The server stores the role, then the connection drops: one role, and
	// the caller gets it.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Security/Roles", Drop: keyfactortest.DropAfterHandler})
	role, err := c.Roles.Create(ctx, mixedClaimsRole("PKI Operators"))
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	stored := srv.Roles()
	if len(stored) != 2 || role.ID != stored[1].ID || role.Name != "PKI Operators" {
		t.Fatalf("role %+v, stored %+v", role, stored)
	}
	if posts := countRequests(srv, "POST", ""); posts != 1 {
		t.Errorf("POST sent %d times", posts)
	}

	// Dropped before the server acted: nothing stored, the error says so.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Security/Roles", Drop: keyfactortest.DropBeforeHandler})
	_, err = c.Roles.Create(ctx, mixedClaimsRole("Second"))
	if err == nil || !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("Create = %v, want the transport error", err)
	}
	if len(srv.Roles()) != 2 {
		t.Errorf("%d roles stored", len(srv.Roles()))
	}

	// Clone goes through the same safety net.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Security/Roles", Drop: keyfactortest.DropAfterHandler})
	clone, err := c.Roles.Clone(ctx, role.ID, keyfactor.CloneRoleRequest{Name: "Clone"})
	if err != nil || len(srv.Roles()) != 3 || clone.ID != srv.Roles()[2].ID {
		t.Errorf("Clone = %+v, %v; stored %d", clone, err, len(srv.Roles()))
	}
}

func TestE2EOAuthOneToken(t *testing.T) {
	srv := keyfactortest.NewTLSServer()
	defer srv.Close()
	srv.AddOAuthClient("kf-sdk", "cs-e2e", "/")
	srv.AddCertificate(keyfactortest.Certificate{ID: 1})
	c := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.OAuth2ClientCredentials{TokenURL: srv.TokenURL, ClientID: "kf-sdk",
		ClientSecret: "cs-e2e"}})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Certificates.ClearOwner(context.Background(), 1, keyfactor.OwnerScope{})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("%d token requests", n)
	}
}

func TestE2EUpdateOwners(t *testing.T) {
	srv, c := newE2E(t)
	role := srv.AddRole(keyfactortest.Role{Name: "Owners", Description: "d"})
	ids := []int{}
	for i := 1; i <= 40; i++ {
		ids = append(ids, i)
		if i != 13 {
			srv.AddCertificate(keyfactortest.Certificate{ID: i})
		}
	}
	srv.FailNext(3, keyfactortest.Fault{Method: "PUT", Status: 503}) // retried away
	progress := 0
	results, err := c.Certificates.UpdateOwners(context.Background(), ids, keyfactor.UpdateOwnerRequest{NewRoleName: keyfactor.Ptr("Owners")},
		keyfactor.BulkOptions{Concurrency: 6, Progress: func(done, total int, _ keyfactor.OwnerResult) { progress = done }})
	if err != nil || len(results) != 40 || progress != 40 {
		t.Fatalf("%d results, progress %d, err %v", len(results), progress, err)
	}
	for _, r := range results {
		owner, _ := srv.Owner(r.CertificateID)
		if r.CertificateID == 13 {
			if !errors.Is(r.Err, keyfactor.ErrNotFound) {
				t.Errorf("certificate 13: %v", r.Err)
			}
		} else if r.Err != nil || owner != role {
			t.Errorf("certificate %d: %v, owner %d", r.CertificateID, r.Err, owner)
		}
	}
}
