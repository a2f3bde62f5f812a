package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// issue enrolls n PFX certificates (ECC, so the fake is quick) and
// returns their ids.
func issue(t *testing.T, c *keyfactor.Client, prefix string, n int) []int {
	t.Helper()
	ids := make([]int, n)
	for i := range n {
		e, err := c.Enrollment.PFX(context.Background(), keyfactor.EnrollPFXRequest{Subject: fmt.Sprintf("CN=%s%02d.example.com", prefix, i),
			EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = e.CertificateID
	}
	return ids
}

func revokeReq(ids ...int) keyfactor.RevokeRequest {
	return keyfactor.RevokeRequest{CertificateIDs: ids, Reason: keyfactor.ReasonSuperseded, Comment: "replaced"}
}

func TestE2ERevokeIsSafeToRepeat(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	ids := issue(t, c, "rev", 3)
	res, err := c.Certificates.Revoke(ctx, revokeReq(ids[0], ids[1]))
	if err != nil || !slices.Equal(res.Revoked, ids[:2]) || len(res.AlreadyRevoked)+len(res.Pending) != 0 {
		t.Fatalf("first revoke = %+v, %v", res, err)
	}
	// Again, alone: the CA answers "has previously been revoked"; a success.
	res, err = c.Certificates.Revoke(ctx, revokeReq(ids[0]))
	if err != nil || !slices.Equal(res.AlreadyRevoked, ids[:1]) || len(res.Revoked) != 0 {
		t.Errorf("repeat = %+v, %v", res, err)
	}
	// Mixed: one new, one old.
	res, err = c.Certificates.Revoke(ctx, revokeReq(ids[1], ids[2]))
	if err != nil || !slices.Equal(res.Revoked, ids[2:]) || !slices.Equal(res.AlreadyRevoked, ids[1:2]) {
		t.Errorf("mixed = %+v, %v", res, err)
	}
	// A workflow holds it: pending, not revoked, no error.
	more := issue(t, c, "held", 1)
	srv.HoldRevocations(true)
	res, err = c.Certificates.Revoke(ctx, revokeReq(more[0]))
	if err != nil || len(res.Pending) != 1 || res.Pending[0].CertificateID != more[0] || res.Pending[0].WorkflowID == "" {
		t.Errorf("held = %+v, %v", res, err)
	}
	// Refused before sending: a reason outside the constants, a blank comment.
	srv.ResetRequests()
	for _, bad := range []keyfactor.RevokeRequest{{CertificateIDs: []int{1}, Reason: 7, Comment: "x"},
		{CertificateIDs: []int{1}, Reason: keyfactor.ReasonKeyCompromise, Comment: " "}, {Reason: keyfactor.ReasonKeyCompromise, Comment: "x"},
		{CertificateIDs: []int{1, 1}, Comment: "x"}} {
		if _, err := c.Certificates.Revoke(ctx, bad); !errors.Is(err, keyfactor.ErrValidation) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests", n)
	}
}

func TestE2ERevokeAfterALostAnswer(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	ids := issue(t, c, "lostrev", 2)
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Certificates/Revoke", Drop: keyfactortest.DropAfterHandler})
	res, err := c.Certificates.Revoke(ctx, revokeReq(ids[0]))
	if err != nil || !slices.Equal(res.Revoked, ids[:1]) {
		t.Errorf("lost answer, revoked: %+v, %v", res, err)
	}
	// Held by a workflow and the answer lost: it cannot tell, and re-sends nothing.
	srv.HoldRevocations(true)
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Certificates/Revoke", Drop: keyfactortest.DropAfterHandler})
	srv.ResetRequests()
	_, err = c.Certificates.Revoke(ctx, revokeReq(ids[1]))
	if !errors.Is(err, keyfactor.ErrOutcomeUnknown) || !strings.Contains(err.Error(), fmt.Sprint(ids[1])) ||
		countRequests(srv, "POST", "/Certificates/Revoke") != 1 {
		t.Errorf("lost answer, held: %v", err)
	}
}

func TestE2ERenew(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	old := issue(t, c, "renew", 1)[0]
	kind, _, err := c.Certificates.RenewalAvailable(ctx, old, keyfactor.OwnerScope{})
	if err != nil || kind != keyfactor.RenewalOneClick {
		t.Fatalf("RenewalAvailable = %q, %v", kind, err)
	}
	e, err := c.Certificates.Renew(ctx, keyfactor.RenewRequest{CertificateID: old})
	if err != nil || e.Status != keyfactor.EnrollmentIssued || e.CertificateID == old || e.Bundle != nil {
		t.Fatalf("Renew = %+v, %v", e, err)
	}
	b, err := c.Certificates.Download(ctx, e.CertificateID, keyfactor.DownloadOptions{})
	if err != nil || b.Leaf.Subject.CommonName != "renew00.example.com" {
		t.Errorf("the renewed certificate: %+v, %v", b, err)
	}
	// A lost answer: the renewal is found, not sent again.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/Renew", Drop: keyfactortest.DropAfterHandler})
	srv.ResetRequests()
	again, err := c.Certificates.Renew(ctx, keyfactor.RenewRequest{CertificateID: e.CertificateID})
	if err != nil || !again.Recovered || again.CertificateID == e.CertificateID || countRequests(srv, "POST", "/Enrollment/Renew") != 1 {
		t.Errorf("Renew after a lost answer = %+v, %v", again, err)
	}
	if _, err := c.Certificates.Renew(ctx, keyfactor.RenewRequest{CertificateID: 1, Thumbprint: "AB"}); !errors.Is(err, keyfactor.ErrValidation) {
		t.Errorf("both: %v", err)
	}
	// A certificate the fake did not issue has no renewal on offer.
	srv.AddCertificate(keyfactortest.Certificate{ID: 900})
	if kind, _, _ := c.Certificates.RenewalAvailable(ctx, 900, keyfactor.OwnerScope{}); kind != keyfactor.RenewalNone {
		t.Errorf("seeded: %q", kind)
	}
}

func metadataFields(srv *keyfactortest.Server) {
	srv.AddMetadataField(keyfactortest.MetadataField{Name: "Team", Description: "owning team", DataType: "String"})
	srv.AddMetadataField(keyfactortest.MetadataField{Name: "Cost", Description: "cost centre", DataType: "Integer"})
	srv.AddMetadataField(keyfactortest.MetadataField{Name: "Env", Description: "environment", DataType: "MultipleChoice",
		Options: []string{"dev", "prod"}, Enrollment: "Required"})
}

// TestE2ESetMetadataChangesOnlyWhatItNames: whichever way the server
// treats omitted fields, the ones not named survive.
func TestE2ESetMetadataChangesOnlyWhatItNames(t *testing.T) {
	ctx := context.Background()
	for _, merge := range []bool{false, true} {
		t.Run(fmt.Sprintf("merge=%v", merge), func(t *testing.T) {
			srv, c := newE2E(t)
			srv.MergeMetadata(merge)
			metadataFields(srv)
			id := issue(t, c, "meta", 1)[0]
			if err := c.Certificates.SetMetadata(ctx, id, map[string]string{"Team": "web", "Env": "prod"}, keyfactor.OwnerScope{}); err != nil {
				t.Fatal(err)
			}
			if err := c.Certificates.SetMetadata(ctx, id, map[string]string{"Cost": "42"}, keyfactor.OwnerScope{}); err != nil {
				t.Fatal(err)
			}
			got, _ := c.Certificates.Get(ctx, id, keyfactor.GetCertificateOptions{IncludeMetadata: true})
			if got.Metadata["Team"] != "web" || got.Metadata["Env"] != "prod" || got.Metadata["Cost"] != "42" {
				t.Errorf("metadata = %v", got.Metadata)
			}
		})
	}
	srv, c := newE2E(t)
	metadataFields(srv)
	id := issue(t, c, "metabad", 1)[0]
	srv.ResetRequests()
	err := c.Certificates.SetMetadata(ctx, id, map[string]string{"Cost": "abc", "Env": "staging", "Nope": "x"}, keyfactor.OwnerScope{})
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Fatalf("bad values: %v", err)
	}
	if err := c.Certificates.SetMetadata(ctx, id, map[string]string{"Env": ""}, keyfactor.OwnerScope{}); !errors.Is(err, keyfactor.ErrValidation) {
		t.Errorf("clearing a required field: %v", err)
	}
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			t.Errorf("bad values were sent: %s", r.Body)
		}
	}
	// A field made after the Client read them is found on a second read.
	srv.AddMetadataField(keyfactortest.MetadataField{Name: "Late", Description: "made later", DataType: "Boolean"})
	if err := c.Certificates.SetMetadata(ctx, id, map[string]string{"Late": "true"}, keyfactor.OwnerScope{}); err != nil {
		t.Errorf("a field made later: %v", err)
	}
	// By query: every match, overwriting as asked.
	ids := issue(t, c, "bulkmeta", 3)
	if err := c.Certificates.SetMetadataByQuery(ctx, `IssuedCN -startswith "bulkmeta"`, map[string]string{"Team": "ops"}, false); err != nil {
		t.Fatal(err)
	}
	for _, x := range ids {
		if got, _ := c.Certificates.Get(ctx, x, keyfactor.GetCertificateOptions{IncludeMetadata: true}); got.Metadata["Team"] != "ops" {
			t.Errorf("certificate %d: %v", x, got.Metadata)
		}
	}
	if err := c.Certificates.SetMetadataByQuery(ctx, " ", map[string]string{"Team": "x"}, true); !errors.Is(err, keyfactor.ErrValidation) {
		t.Errorf("a blank query: %v", err)
	}
}

func TestE2EMetadataFieldsPlanAndApply(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	desired := keyfactor.CreateMetadataFieldRequest{Name: "Env", Description: "environment", DataType: keyfactor.MetadataMultipleChoice,
		Options: []string{"dev", "prod"}, Enrollment: "Required"}
	p, f, err := c.MetadataFields.Apply(ctx, desired)
	if err != nil || p.Action != keyfactor.ActionCreate || f.ID == 0 || !slices.Equal(f.Options, []string{"dev", "prod"}) {
		t.Fatalf("Apply = %+v, %+v, %v", p, f, err)
	}
	srv.ResetRequests()
	p, _, err = c.MetadataFields.Apply(ctx, desired)
	if err != nil || p.Action != keyfactor.ActionNone || writes(srv) != 0 {
		t.Errorf("second Apply = %+v, %v, %d writes", p, err, writes(srv))
	}
	desired.Options = append(desired.Options, "staging")
	p, f, err = c.MetadataFields.Apply(ctx, desired)
	if err != nil || p.Action != keyfactor.ActionUpdate || len(f.Options) != 3 || p.Changes[0].Field != "Options" {
		t.Errorf("update = %+v, %v", p, err)
	}
	// A lost create answer: the field is found, not created twice.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/MetadataFields", Drop: keyfactortest.DropAfterHandler})
	made, err := c.MetadataFields.Create(ctx, keyfactor.CreateMetadataFieldRequest{Name: "Cost", Description: "d", DataType: keyfactor.MetadataInteger})
	if err != nil || made.Name != "Cost" {
		t.Errorf("Create after a lost answer = %+v, %v", made, err)
	}
	got, err := c.MetadataFields.GetByName(ctx, "Cost")
	if err != nil || got.DataType != keyfactor.MetadataInteger {
		t.Errorf("GetByName = %+v, %v", got, err)
	}
	if err := c.MetadataFields.Delete(ctx, got.ID); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if _, err := c.MetadataFields.Get(ctx, got.ID); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("after Delete: %v", err)
	}
	if err := (keyfactor.CreateMetadataFieldRequest{Name: "Bad Name", DataType: "Color", Options: []string{"a"}}).Validate(); err == nil {
		t.Error("a bad field validated")
	}
}

func TestE2EHistoryValidateLocationsDelete(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	metadataFields(srv)
	id := issue(t, c, "hist", 1)[0]
	for i := range 4 {
		if err := c.Certificates.SetMetadata(ctx, id, map[string]string{"Cost": fmt.Sprint(i)}, keyfactor.OwnerScope{}); err != nil {
			t.Fatal(err)
		}
	}
	var actions []string
	for e, err := range c.Certificates.History(ctx, id, keyfactor.ListHistoryOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.OperationStart == nil {
			t.Errorf("entry %d has no start", e.ID)
		}
		actions = append(actions, e.Action)
	}
	if len(actions) != 5 || actions[0] != "Issued" {
		t.Errorf("history = %v", actions)
	}
	v, err := c.Certificates.Validate(ctx, id, keyfactor.OwnerScope{})
	if err != nil || !v.Valid {
		t.Errorf("Validate = %+v, %v", v, err)
	}
	srv.AddCertificate(keyfactortest.Certificate{ID: 800, Locations: []keyfactortest.Location{{StoreMachine: "web01", StorePath: "IIS Personal",
		StoreType: 5, StoreTypeName: "IIS", Alias: "a"}, {StoreMachine: "web02", StorePath: "/etc/ssl", StoreType: 2, StoreTypeName: "PEM"}}})
	locs, err := c.Certificates.Locations(ctx, 800)
	if err != nil || len(locs) != 2 {
		t.Errorf("Locations = %+v, %v", locs, err)
	}
	srv.FailNext(1, keyfactortest.Fault{Method: "DELETE", Drop: keyfactortest.DropAfterHandler})
	if err := c.Certificates.Delete(ctx, id, keyfactor.OwnerScope{}); err != nil {
		t.Errorf("Delete after a lost answer: %v", err)
	}
	if err := c.Certificates.Delete(ctx, id, keyfactor.OwnerScope{}); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("Delete of a deleted certificate: %v", err)
	}
}

// TestE2ERevokeAndRenewCampaign: revocations and renewals against a server
// that loses 30% of their answers after acting and refuses 15% with 503:
// nothing is revoked twice, no renewal is issued twice, and every result
// says what happened.
func TestE2ERevokeAndRenewCampaign(t *testing.T) {
	ctx := context.Background()
	srv, _ := newE2E(t, keyfactortest.WithSeed(4028))
	c := e2eClient(t, srv, keyfactor.Config{Retry: keyfactor.RetryPolicy{MaxRetries: 10, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	ids := issue(t, c, "camp", 20)
	for _, path := range []string{"/Certificates/Revoke", "/Enrollment/Renew"} {
		srv.FailRandomly(0.30, keyfactortest.Fault{Method: "POST", Path: path, Drop: keyfactortest.DropAfterHandler})
		srv.FailRandomly(0.15, keyfactortest.Fault{Method: "POST", Path: path, Status: 503})
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	renewed := map[int]int{}
	for i, id := range ids {
		wg.Go(func() {
			if i%2 == 0 {
				e, err := c.Certificates.Renew(ctx, keyfactor.RenewRequest{CertificateID: id})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("renew %d: %v", id, err)
					return
				}
				renewed[id] = e.CertificateID
				return
			}
			res, err := c.Certificates.Revoke(ctx, revokeReq(id))
			if err != nil || !slices.Equal(res.Revoked, []int{id}) {
				t.Errorf("revoke %d: %+v, %v", id, res, err)
			}
		})
	}
	wg.Wait()
	perCN := map[string]int{}
	for _, cert := range srv.Certificates() {
		perCN[cert.IssuedCN]++
	}
	for i, id := range ids {
		cn := fmt.Sprintf("camp%02d.example.com", i)
		revocations := 0
		for _, h := range srv.History(id) {
			if h.Action == "Revoked" {
				revocations++
			}
		}
		switch {
		case i%2 == 0 && perCN[cn] != 2:
			t.Errorf("%s: %d certificates after one renewal", cn, perCN[cn])
		case i%2 == 1 && revocations != 1:
			t.Errorf("%s: revoked %d times", cn, revocations)
		}
	}
}
