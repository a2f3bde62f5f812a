package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func TestE2ECertificateReads(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	ops := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d"})
	future := time.Now().AddDate(1, 0, 0)
	srv.AddCertificate(keyfactortest.Certificate{ID: 1, CollectionIDs: []int{5}, OwnerRoleID: ops, IssuedCN: "web01.example.com",
		NotAfter: future, Metadata: map[string]string{"Team": "web"}, HasPrivateKey: true,
		Locations: []keyfactortest.Location{{StoreMachine: "web01", StorePath: "IIS Personal", StoreType: 5, StoreTypeName: "IIS"},
			{StoreMachine: "web01", StorePath: "IIS Roots", StoreType: 5, StoreTypeName: "IIS"}}})
	srv.AddCertificate(keyfactortest.Certificate{ID: 2, IssuedCN: "web02.example.com", NotAfter: future})
	srv.AddCertificate(keyfactortest.Certificate{ID: 3, IssuedCN: "web03.example.com", NotAfter: future, Revoked: true})
	srv.AddCertificate(keyfactortest.Certificate{ID: 4, IssuedCN: "old.example.com", NotAfter: time.Now().AddDate(-1, 0, 0)})

	cert, err := c.Certificates.Get(ctx, 1, keyfactor.GetCertificateOptions{IncludeMetadata: true})
	if err != nil || cert.OwnerRoleID == nil || *cert.OwnerRoleID != ops || cert.OwnerRoleName != "PKI Operators" ||
		cert.Metadata["Team"] != "web" || !cert.HasPrivateKey || cert.NotAfter.Unix() != future.Unix() {
		t.Fatalf("Get = %+v, %v", cert, err)
	}
	if len(cert.Locations) != 0 || len(cert.LocationsCount) != 0 {
		t.Errorf("locations without IncludeLocations: %+v", cert.Locations)
	}
	cert, err = c.Certificates.Get(ctx, 1, keyfactor.GetCertificateOptions{IncludeLocations: true})
	if err != nil || len(cert.Locations) != 2 || cert.Locations[0].StorePath != "IIS Personal" ||
		fmt.Sprint(cert.LocationsCount) != "[{IIS 2}]" {
		t.Errorf("IncludeLocations: %+v, %+v, %v", cert.Locations, cert.LocationsCount, err)
	}
	for listed, err := range c.Certificates.List(ctx, keyfactor.ListCertificatesOptions{CollectionID: 5, IncludeLocations: true,
		IncludeMetadata: true}) {
		if err != nil || len(listed.Locations) != 2 || listed.Metadata["Team"] != "web" {
			t.Errorf("List with locations and metadata: %+v, %v", listed, err)
		}
	}
	if cert, err := c.Certificates.Get(ctx, 2, keyfactor.GetCertificateOptions{}); err != nil || cert.OwnerRoleID != nil || cert.OwnerRoleName != "" {
		t.Errorf("no owner: %+v, %v", cert, err)
	}
	if _, err := c.Certificates.Get(ctx, 2, keyfactor.GetCertificateOptions{CollectionID: 5}); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("outside the collection: %v", err)
	}
	if _, err := c.Certificates.Get(ctx, 99, keyfactor.GetCertificateOptions{}); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}

	ids := func(opts keyfactor.ListCertificatesOptions) []int {
		var out []int
		for cert, err := range c.Certificates.List(ctx, opts) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, cert.ID)
		}
		return out
	}
	for _, tt := range []struct {
		opts keyfactor.ListCertificatesOptions
		want string
	}{
		{keyfactor.ListCertificatesOptions{}, "[1 2]"},
		{keyfactor.ListCertificatesOptions{IncludeRevoked: true, IncludeExpired: true}, "[1 2 3 4]"},
		{keyfactor.ListCertificatesOptions{CollectionID: 5}, "[1]"},
		{keyfactor.ListCertificatesOptions{Query: `IssuedCN -startswith "web" AND IssuedCN -ne "web01.example.com"`, IncludeRevoked: true}, "[2 3]"},
		{keyfactor.ListCertificatesOptions{SortField: "IssuedCN", Descending: true, IncludeExpired: true}, "[2 1 4]"},
	} {
		if got := fmt.Sprint(ids(tt.opts)); got != tt.want {
			t.Errorf("List(%+v) = %s, want %s", tt.opts, got, tt.want)
		}
	}

	// A caller allowed to read collection 5 only.
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\col5`, Password: "col5-pw", Permissions: []string{"/certificates/collections/read/5/"}})
	scoped := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: `KEYEXAMPLE\col5`, Password: "col5-pw"}})
	for _, err := range scoped.Certificates.List(ctx, keyfactor.ListCertificatesOptions{}) {
		if !errors.Is(err, keyfactor.ErrForbidden) {
			t.Errorf("global list with a collection permission: %v", err)
		}
	}
	n := 0
	for _, err := range scoped.Certificates.List(ctx, keyfactor.ListCertificatesOptions{CollectionID: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("scoped list: %d certificates", n)
	}
}

// TestE2EOwnersByQuery: plan first (a snapshot of every page), then update
// only what differs; a second round changes nothing.
func TestE2EOwnersByQuery(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	web := srv.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	for id := 1; id <= 450; id++ {
		cert := keyfactortest.Certificate{ID: id, IssuedCN: fmt.Sprintf("web%03d.example.com", id), NotAfter: time.Now().AddDate(1, 0, 0)}
		if id%3 == 0 {
			cert.OwnerRoleID = web
		}
		if id%10 == 0 {
			cert.IssuedCN = fmt.Sprintf("db%03d.example.com", id)
		}
		srv.AddCertificate(cert)
	}
	req := keyfactor.UpdateOwnerRequest{NewRoleName: keyfactor.Ptr("web team")}
	query := keyfactor.ListCertificatesOptions{Query: `IssuedCN -startswith "web"`, PageSize: 50}
	plan, err := c.Certificates.PlanOwners(ctx, query, req)
	if err != nil {
		t.Fatal(err)
	}
	// 405 web certificates, a third of them (135) already owned.
	if len(plan.ChangeIDs)+len(plan.AlreadyOwned) != 405 || len(plan.AlreadyOwned) != 135 {
		t.Fatalf("plan: %d to change, %d owned", len(plan.ChangeIDs), len(plan.AlreadyOwned))
	}
	srv.ResetRequests()
	results, err := c.Certificates.UpdateOwners(ctx, plan.ChangeIDs, req, keyfactor.BulkOptions{Concurrency: 8})
	if err != nil || len(results) != 270 {
		t.Fatalf("UpdateOwners: %d results, %v", len(results), err)
	}
	if puts := countRequests(srv, "PUT", ""); puts != 270 {
		t.Errorf("%d PUTs, want 270", puts)
	}
	again, err := c.Certificates.PlanOwners(ctx, query, req)
	if err != nil || len(again.ChangeIDs) != 0 || len(again.AlreadyOwned) != 405 {
		t.Errorf("second plan: %d to change, %v", len(again.ChangeIDs), err)
	}
	if owner, _ := srv.Owner(10); owner == web {
		t.Error("a certificate outside the query changed owner")
	}
}
