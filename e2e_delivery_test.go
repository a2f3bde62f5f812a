package keyfactor_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

const storeSecret = "s3cr3t-Serv3r-Pa55"

func pemStore(machine, path string) keyfactor.CreateStoreRequest {
	return keyfactor.CreateStoreRequest{ClientMachine: machine, StorePath: path, StoreType: 2,
		AgentID:    "0a9e0000-0000-4000-8000-000000000001",
		Properties: map[string]string{"separatePrivateKey": "false"},
		Secrets:    map[string]keyfactor.Secret{"ServerPassword": keyfactor.NewSecret(storeSecret)}}
}

func newDeliveryE2E(t *testing.T, opts ...keyfactortest.Option) (*keyfactortest.Server, *keyfactor.Client) {
	t.Helper()
	srv, c := newE2E(t, opts...)
	srv.AddAgent(keyfactortest.Agent{ID: "0a9e0000-0000-4000-8000-000000000001", ClientMachine: "orch1.example.com", Approved: true})
	return srv, c
}

func TestE2EStoreApplyIsIdempotentAndKeepsSecrets(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t)
	want := pemStore("web1.example.com", "/etc/ssl/web.pem")
	p, st, err := c.Stores.Apply(ctx, want)
	if err != nil || p.Action != keyfactor.ActionCreate || st.ID == "" {
		t.Fatalf("first Apply = %+v, %+v, %v", p, st, err)
	}
	held, _ := srv.Store(st.ID)
	if held.Secrets["ServerPassword"] != storeSecret || held.Properties["separatePrivateKey"] != "false" {
		t.Errorf("the server holds %+v", held)
	}
	// Read back: the secret is said to be set, its value never shown.
	got, err := c.Stores.Get(ctx, st.ID)
	if err != nil || !got.Secrets["ServerPassword"].IsSet() {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	srv.ResetRequests()
	p, _, err = c.Stores.Apply(ctx, want)
	if err != nil || p.Action != keyfactor.ActionNone {
		t.Errorf("second Apply = %+v, %v", p, err)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("second Apply wrote: %s %s", r.Method, r.Path)
		}
	}
	// A changed property is an update that keeps the store's id.
	want.Properties["separatePrivateKey"] = "true"
	p, st2, err := c.Stores.Apply(ctx, want)
	if err != nil || p.Action != keyfactor.ActionUpdate || st2.ID != st.ID {
		t.Fatalf("changed Apply = %+v, %+v, %v", p, st2, err)
	}
	// A secret the server lacks is a change named without its value.
	want.Secrets["ServerUsername"] = keyfactor.NewSecret("svc-" + storeSecret)
	p, err = c.Stores.Plan(ctx, want)
	if err != nil || p.Action != keyfactor.ActionUpdate {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	var buf strings.Builder
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("plan", "plan", p, "store", got, "request", want, "secret", want.Secrets["ServerPassword"])
	slog.New(slog.NewTextHandler(&buf, nil)).Info("text", "secret", want.Secrets["ServerPassword"], "request", want)
	fmt.Fprintf(&buf, "%v %+v %#v", p, want, got)
	if strings.Contains(buf.String(), storeSecret) || strings.Count(buf.String(), "[REDACTED]") < 4 {
		t.Errorf("a secret printed, or was not redacted: %s", buf.String())
	}
	if !strings.Contains(fmt.Sprint(p.Changes), "ServerUsername") {
		t.Errorf("changes %v do not name the secret", p.Changes)
	}
	if err := c.Stores.Delete(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stores.Get(ctx, st.ID); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
}

func TestE2EStoreCreateAfterALostAnswer(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t)
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/CertificateStores", Drop: keyfactortest.DropAfterHandler})
	st, err := c.Stores.Create(ctx, pemStore("web2.example.com", "/etc/ssl/lost.pem"))
	if err != nil || st.ID == "" {
		t.Fatalf("Create = %+v, %v", st, err)
	}
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/CertificateStores") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("the create was sent %d times", posts)
	}
	var errText strings.Builder
	_, err = c.Stores.Create(ctx, keyfactor.CreateStoreRequest{StoreType: -1, Secrets: map[string]keyfactor.Secret{"ServerPassword": keyfactor.NewSecret(storeSecret)}})
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("bad store: %v", err)
	}
	fmt.Fprint(&errText, err)
	for _, field := range []string{"ClientMachine", "StorePath", "StoreType"} {
		if !strings.Contains(errText.String(), field) {
			t.Errorf("the error does not name %s: %v", field, err)
		}
	}
	if strings.Contains(errText.String(), storeSecret) {
		t.Errorf("the error shows the secret: %v", err)
	}
}

func TestE2EAddCertificateAndWait(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t, keyfactortest.WithJobDelay(-1))
	good, err := c.Stores.Create(ctx, pemStore("web3.example.com", "/etc/ssl/good.pem"))
	if err != nil {
		t.Fatal(err)
	}
	bad, err := c.Stores.Create(ctx, pemStore("web4.example.com", "/etc/ssl/bad.pem"))
	if err != nil {
		t.Fatal(err)
	}
	srv.FailStoreJobs(bad.ID, "Access to the path '/etc/ssl/bad.pem' is denied.")
	id := issue(t, c, "deliver", 1)[0]
	jobs, err := c.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id,
		Stores: []keyfactor.StoreTarget{{StoreID: good.ID, Alias: "web"}, {StoreID: bad.ID, Alias: "web"}}})
	if err != nil || len(jobs) != 2 {
		t.Fatalf("AddCertificate = %+v, %v", jobs, err)
	}
	// Scheduled is not done: the jobs wait until the orchestrator runs.
	waiting := 0
	for j, err := range c.Jobs.Scheduled(ctx, keyfactor.ListScheduledJobsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if j.ID == jobs[0].ID || j.ID == jobs[1].ID {
			waiting++
		}
	}
	if waiting != 2 {
		t.Errorf("%d of 2 jobs are scheduled", waiting)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if res, err := c.Jobs.Wait(short, jobs); !errors.Is(err, context.DeadlineExceeded) || len(res) != 0 {
		t.Errorf("Wait before the jobs ran = %+v, %v", res, err)
	}
	if n := srv.RunJobs(); n != 2 {
		t.Fatalf("RunJobs ran %d", n)
	}
	res, err := c.Jobs.Wait(ctx, jobs)
	if !errors.Is(err, keyfactor.ErrJobFailed) || len(res) != 2 {
		t.Fatalf("Wait = %+v, %v", res, err)
	}
	if res[0].Status != keyfactor.JobSucceeded || res[1].Status != keyfactor.JobFailed || !strings.Contains(res[1].Message, "denied") {
		t.Errorf("results = %+v", res)
	}
	if !strings.Contains(err.Error(), jobs[1].ID) || !strings.Contains(err.Error(), "denied") {
		t.Errorf("the error does not name the failed job and why: %v", err)
	}
	var inv []keyfactor.InventoryItem
	for item, err := range c.Stores.Inventory(ctx, good.ID) {
		if err != nil {
			t.Fatal(err)
		}
		inv = append(inv, item)
	}
	if len(inv) != 1 || inv[0].Alias != "web" || len(inv[0].Certificates) != 1 || inv[0].Certificates[0].ID != id {
		t.Errorf("inventory of the good store = %+v", inv)
	}
	if held, _ := srv.Store(bad.ID); len(held.Inventory) != 0 {
		t.Errorf("the failing store holds %v", held.Inventory)
	}
	// Removing schedules a job that empties the alias.
	jobs, err = c.Stores.RemoveCertificate(ctx, keyfactor.RemoveCertificateRequest{Stores: []keyfactor.StoreTarget{{StoreID: good.ID, Alias: "web"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.RunJobs()
	if _, err := c.Jobs.Wait(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	if held, _ := srv.Store(good.ID); len(held.Inventory) != 0 {
		t.Errorf("after Remove the store holds %v", held.Inventory)
	}
}

// TestE2ERotateCampaign rotates 20 certificates deployed to 3 stores, one
// of which fails every job, through lost answers and 503s: each rotation
// renews once, replaces in every store, and names the failing store.
func TestE2ERotateCampaign(t *testing.T) {
	ctx := context.Background()
	srv, _ := newDeliveryE2E(t, keyfactortest.WithSeed(2029))
	c := e2eClient(t, srv, keyfactor.Config{Retry: keyfactor.RetryPolicy{MaxRetries: 10, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	var stores []string
	for i := range 3 {
		st, err := c.Stores.Create(ctx, pemStore(fmt.Sprintf("web%d.example.com", i), "/etc/ssl/site.pem"))
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, st.ID)
	}
	srv.FailStoreJobs(stores[2], "The orchestrator could not reach web2.example.com.")
	ids := issue(t, c, "rot", 20)
	for _, id := range ids {
		var targets []keyfactor.StoreTarget
		for _, st := range stores {
			targets = append(targets, keyfactor.StoreTarget{StoreID: st, Alias: fmt.Sprintf("site%d", id)})
		}
		jobs, err := c.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id, Stores: targets})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Jobs.Wait(ctx, jobs[:2]); err != nil {
			t.Fatal(err)
		}
	}
	srv.FailStoreJobs(stores[2], "")
	for _, id := range ids { // the third store holds the certificates too
		jobs, err := c.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id,
			Stores: []keyfactor.StoreTarget{{StoreID: stores[2], Alias: fmt.Sprintf("site%d", id)}}})
		if err == nil {
			_, err = c.Jobs.Wait(ctx, jobs)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	srv.FailStoreJobs(stores[2], "The orchestrator could not reach web2.example.com.")
	for _, path := range []string{"/Enrollment/Renew", "/Enrollment/PFX/Replace"} {
		srv.FailRandomly(0.15, keyfactortest.Fault{Method: "POST", Path: path, Status: 503})
		srv.FailRandomly(0.25, keyfactortest.Fault{Method: "POST", Path: path, Drop: keyfactortest.DropAfterHandler})
	}
	srv.FailRandomly(0.10, keyfactortest.Fault{Method: "GET", Path: "/OrchestratorJobs/JobHistory", Status: 503})
	failed := 0
	for _, id := range ids {
		rot, err := c.Certificates.Rotate(ctx, id, keyfactor.RotateOptions{})
		if !errors.Is(err, keyfactor.ErrJobFailed) || rot == nil || rot.New == nil {
			t.Fatalf("Rotate %d = %+v, %v", id, rot, err)
		}
		if len(rot.Stores) != 3 {
			t.Fatalf("Rotate %d: %d store results", id, len(rot.Stores))
		}
		for _, r := range rot.Stores {
			want := keyfactor.JobSucceeded
			if strings.EqualFold(r.Job.StoreID, stores[2]) {
				want = keyfactor.JobFailed
				failed++
			}
			if r.Status != want {
				t.Errorf("Rotate %d: store %s ended %s (%s)", id, r.Job.StoreID, r.Status, r.Message)
			}
		}
		alias := fmt.Sprintf("site%d", id)
		for i, st := range stores {
			held, _ := srv.Store(st)
			wantID := rot.New.CertificateID
			if i == 2 {
				wantID = id
			}
			if held.Inventory[alias] != wantID {
				t.Errorf("store %d holds %d under %s, want %d", i, held.Inventory[alias], alias, wantID)
			}
		}
	}
	if failed != len(ids) {
		t.Errorf("%d failed store results, want %d", failed, len(ids))
	}
	lost := 0
	for _, r := range srv.Requests() {
		if r.Fault != nil && r.Fault.Drop == keyfactortest.DropAfterHandler && strings.HasSuffix(r.Path, "/Replace") {
			lost++
		}
	}
	if lost == 0 {
		t.Error("no Replace answer was lost: the campaign tests nothing")
	}
	t.Logf("%d Replace answers lost", lost)
	perCN := map[string]int{}
	for _, cert := range srv.Certificates() {
		perCN[cert.IssuedCN]++
	}
	for i := range ids {
		if cn := fmt.Sprintf("rot%02d.example.com", i); perCN[cn] != 2 {
			t.Errorf("%s: %d certificates after one rotation", cn, perCN[cn])
		}
	}
}

func TestE2EStoreTypesAndAgents(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t)
	pem, err := c.StoreTypes.GetByName(ctx, "PEM")
	if err != nil || pem.ID != 2 {
		t.Fatalf("GetByName = %+v, %v", pem, err)
	}
	n := 0
	for _, err := range c.StoreTypes.List(ctx, keyfactor.ListStoreTypesOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d store types", n)
	}
	id := srv.AddAgent(keyfactortest.Agent{ClientMachine: "orch2.example.com"})
	if err := c.Agents.Approve(ctx, id); err != nil {
		t.Fatal(err)
	}
	a, err := c.Agents.Get(ctx, id)
	if err != nil || a.ClientMachine != "orch2.example.com" || a.Status != 2 {
		t.Errorf("Get = %+v, %v", a, err)
	}
	listed := 0
	for a, err := range c.Agents.List(ctx, keyfactor.ListAgentsOptions{Query: `ClientMachine -eq "orch2.example.com"`}) {
		if err != nil || a.ID != id {
			t.Errorf("List: %+v, %v", a, err)
		}
		listed++
	}
	if listed != 1 {
		t.Errorf("List found %d", listed)
	}
	if _, err := c.Agents.Get(ctx, "not-a-guid"); !errors.Is(err, keyfactor.ErrValidation) {
		t.Errorf("bad id: %v", err)
	}
}

// TestE2ERotateLostReplaceThatNeverLanded: a Replace dropped before the
// server acted is not re-sent; Rotate looks for its jobs a bounded number
// of times and says the outcome is unknown, naming the new certificate.
func TestE2ERotateLostReplaceThatNeverLanded(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t)
	st, err := c.Stores.Create(ctx, pemStore("web9.example.com", "/etc/ssl/site.pem"))
	if err != nil {
		t.Fatal(err)
	}
	id := issue(t, c, "neverlanded", 1)[0]
	jobs, err := c.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id, Stores: []keyfactor.StoreTarget{{StoreID: st.ID, Alias: "site"}}})
	if err == nil {
		_, err = c.Jobs.Wait(ctx, jobs)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/PFX/Replace", Drop: keyfactortest.DropBeforeHandler})
	srv.ResetRequests()
	rot, err := c.Certificates.Rotate(ctx, id, keyfactor.RotateOptions{})
	if !errors.Is(err, keyfactor.ErrOutcomeUnknown) || rot == nil || rot.New == nil || !strings.Contains(err.Error(), fmt.Sprint(rot.New.CertificateID)) {
		t.Fatalf("Rotate = %+v, %v", rot, err)
	}
	replaces := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/Replace") {
			replaces++
		}
	}
	if replaces != 1 {
		t.Errorf("Replace was sent %d times", replaces)
	}
	if held, _ := srv.Store(st.ID); held.Inventory["site"] != id {
		t.Errorf("the store holds %d", held.Inventory["site"])
	}
}

// TestE2EAddCertificateAfterALostAnswer: the jobs a lost answer scheduled
// are found; the POST is sent once.
func TestE2EAddCertificateAfterALostAnswer(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t, keyfactortest.WithJobDelay(-1))
	var targets []keyfactor.StoreTarget
	for i := range 2 {
		st, err := c.Stores.Create(ctx, pemStore(fmt.Sprintf("lost%d.example.com", i), "/etc/ssl/site.pem"))
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, keyfactor.StoreTarget{StoreID: st.ID, Alias: "site"})
	}
	id := issue(t, c, "lostadd", 1)[0]
	// An earlier job on the first store, still scheduled: not the one.
	earlier, err := c.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id, Stores: targets[:1]})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/CertificateStores/Certificates/Add", Drop: keyfactortest.DropAfterHandler})
	jobs, err := c.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id, Stores: targets})
	if err != nil || len(jobs) != 2 {
		t.Fatalf("AddCertificate = %+v, %v", jobs, err)
	}
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/Certificates/Add") {
			posts++
		}
	}
	scheduled := map[string]bool{}
	for j, err := range c.Jobs.Scheduled(ctx, keyfactor.ListScheduledJobsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		scheduled[j.ID] = true
	}
	if posts != 1 || len(scheduled) != 3 || !scheduled[jobs[0].ID] || !scheduled[jobs[1].ID] || jobs[0].ID == jobs[1].ID ||
		jobs[0].ID == earlier[0].ID || jobs[1].ID == earlier[0].ID {
		t.Errorf("%d posts; jobs %+v among %v", posts, jobs, scheduled)
	}
	srv.RunJobs()
	if _, err := c.Jobs.Wait(ctx, jobs); err != nil {
		t.Error(err)
	}
}

// TestE2EDeliveryPermissions: a deployer who may schedule store jobs but
// not read job history still adds certificates (the SDK's note of the
// jobs before the POST is best effort); one who may only read stores is
// refused the write.
func TestE2EDeliveryPermissions(t *testing.T) {
	ctx := context.Background()
	srv, admin := newDeliveryE2E(t)
	st, err := admin.Stores.Create(ctx, pemStore("perm.example.com", "/etc/ssl/site.pem"))
	if err != nil {
		t.Fatal(err)
	}
	id := issue(t, admin, "perm", 1)[0]
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\deployer`, Password: "d-pw", Permissions: []string{"/certificate_stores/read/", "/certificate_stores/schedule/"}})
	srv.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\reader`, Password: "r-pw", Permissions: []string{"/certificate_stores/read/"}})
	deployer := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: `KEYEXAMPLE\deployer`, Password: "d-pw"}})
	reader := e2eClient(t, srv, keyfactor.Config{Auth: keyfactor.BasicAuth{Username: `KEYEXAMPLE\reader`, Password: "r-pw"}})
	req := keyfactor.AddCertificateRequest{CertificateID: id, Stores: []keyfactor.StoreTarget{{StoreID: st.ID, Alias: "site"}}}
	if jobs, err := deployer.Stores.AddCertificate(ctx, req); err != nil || len(jobs) != 1 {
		t.Errorf("deployer: %+v, %v", jobs, err)
	}
	if _, err := reader.Stores.AddCertificate(ctx, req); !errors.Is(err, keyfactor.ErrForbidden) {
		t.Errorf("reader AddCertificate: %v", err)
	}
	if _, err := reader.Stores.Create(ctx, pemStore("perm2.example.com", "/etc/ssl/site.pem")); !errors.Is(err, keyfactor.ErrForbidden) {
		t.Errorf("reader Create: %v", err)
	}
	if _, err := reader.Agents.Get(ctx, "0a9e0000-0000-4000-8000-000000000001"); !errors.Is(err, keyfactor.ErrForbidden) {
		t.Errorf("reader Agents.Get: %v", err)
	}
}

// TestE2ERotateByReenrollment: with Reenroll, Rotate issues the new
// certificate by PFX re-enrollment and replaces it in the store.
func TestE2ERotateByReenrollment(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t)
	id := issue(t, c, "reenroll", 1)[0]
	st := srv.AddStore(keyfactortest.Store{ClientMachine: "web1.example.com", StorePath: "/etc/ssl/site.pem", StoreType: 2,
		Inventory: map[string]int{"site": id}})
	srv.ResetRequests()
	rot, err := c.Certificates.Rotate(ctx, id, keyfactor.RotateOptions{Reenroll: true, Password: "transit-Pw-1"})
	if err != nil || rot.New == nil || rot.New.CertificateID == id || len(rot.Stores) != 1 || rot.Stores[0].Status != keyfactor.JobSucceeded {
		t.Fatalf("Rotate = %+v, %v", rot, err)
	}
	if held, _ := srv.Store(st); held.Inventory["site"] != rot.New.CertificateID {
		t.Errorf("the store holds %d", held.Inventory["site"])
	}
	var pfx, renew int
	for _, r := range srv.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/Enrollment/PFX") && r.Method == "POST":
			pfx++
			if !strings.Contains(string(r.Body), fmt.Sprintf(`"RenewalCertificateId":%d`, id)) {
				t.Errorf("the re-enrollment does not name the old certificate: %s", r.Body)
			}
		case strings.HasSuffix(r.Path, "/Enrollment/Renew"):
			renew++
		}
	}
	if pfx != 1 || renew != 0 {
		t.Errorf("%d PFX enrollments, %d renewals", pfx, renew)
	}
	opts := keyfactor.RotateOptions{Reenroll: true, Password: "transit-Pw-1"}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("rotate", "opts", opts)
	b, _ := json.Marshal(opts)
	if strings.Contains(fmt.Sprintf("%v %+v %#v %s %v %+v", opts, opts, opts, b, rot, rot.New)+logged.String(), "transit-Pw-1") {
		t.Error("the transit password printed")
	}
}

// TestE2EConcurrentRotationsShareStores: ten certificates in the same two
// stores rotated at once by one Client: no two rotations take the same
// job, and each store ends holding every new certificate under its alias.
func TestE2EConcurrentRotationsShareStores(t *testing.T) {
	ctx := context.Background()
	srv, c := newDeliveryE2E(t)
	ids := issue(t, c, "conc", 10)
	var stores []string
	for i := range 2 {
		inv := map[string]int{}
		for _, id := range ids {
			inv[fmt.Sprintf("site%d", id)] = id
		}
		stores = append(stores, srv.AddStore(keyfactortest.Store{ClientMachine: fmt.Sprintf("shared%d.example.com", i),
			StorePath: "/etc/ssl/site.pem", StoreType: 2, Inventory: inv}))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := map[string]int{}
	newIDs := map[int]int{}
	for _, id := range ids {
		wg.Go(func() {
			rot, err := c.Certificates.Rotate(ctx, id, keyfactor.RotateOptions{})
			mu.Lock()
			defer mu.Unlock()
			if err != nil || len(rot.Stores) != 2 {
				t.Errorf("Rotate %d = %+v, %v", id, rot, err)
				return
			}
			newIDs[id] = rot.New.CertificateID
			for _, r := range rot.Stores {
				seen[r.Job.ID]++
			}
		})
	}
	wg.Wait()
	if len(seen) != 2*len(ids) {
		t.Errorf("%d distinct jobs for %d replacements: %v", len(seen), 2*len(ids), seen)
	}
	for _, st := range stores {
		held, _ := srv.Store(st)
		for _, id := range ids {
			if alias := fmt.Sprintf("site%d", id); held.Inventory[alias] != newIDs[id] {
				t.Errorf("store %s holds %d under %s, want %d", st, held.Inventory[alias], alias, newIDs[id])
			}
		}
	}
}

// TestE2EStoreTypeUpdateLostAnswer: a store type's PUT whose answer is
// lost after the server acted is not sent again; the type is read back and
// returned, since it holds what was sent. When it does not, the outcome
// stays unknown.
func TestE2EStoreTypeUpdateLostAnswer(t *testing.T) {
	srv, c := newDeliveryE2E(t)
	ctx := context.Background()
	created, err := c.StoreTypes.Create(ctx, keyfactor.CreateStoreTypeRequest{Name: "Java Keystore", ShortName: "JKS", Capability: "JKS",
		SupportedOperations: keyfactor.StoreTypeOperations{Add: true, Remove: true},
		Properties:          []keyfactor.StoreTypeProperty{{Name: "alias", DisplayName: "Alias", Type: "String"}}})
	if err != nil {
		t.Fatal(err)
	}
	req := keyfactor.UpdateStoreTypeRequest{ID: created.ID, CreateStoreTypeRequest: keyfactor.CreateStoreTypeRequest{
		Name: "Java Keystore (v2)", ShortName: "JKS", Capability: "JKS", SupportedOperations: keyfactor.StoreTypeOperations{Add: true},
		Properties: []keyfactor.StoreTypeProperty{{Name: "alias", DisplayName: "Alias", Type: "String", Required: true}}}}
	srv.FailNext(1, keyfactortest.Fault{Method: "PUT", Path: "/CertificateStoreTypes", Drop: keyfactortest.DropAfterHandler})
	srv.ResetRequests()
	got, err := c.StoreTypes.Update(ctx, req)
	if err != nil || got.Name != "Java Keystore (v2)" || !got.Properties[0].Required {
		t.Fatalf("Update after a lost answer = %+v, %v", got, err)
	}
	if n := countRequests(srv, "PUT", "/CertificateStoreTypes"); n != 1 {
		t.Errorf("%d PUTs; want 1", n)
	}

	// Lost before acting: what the server holds is not what was sent.
	req.Name = "Java Keystore (v3)"
	srv.FailNext(1, keyfactortest.Fault{Method: "PUT", Path: "/CertificateStoreTypes", Drop: keyfactortest.DropBeforeHandler})
	srv.ResetRequests()
	if _, err := c.StoreTypes.Update(ctx, req); !errors.Is(err, keyfactor.ErrOutcomeUnknown) {
		t.Errorf("Update lost before acting: %v", err)
	}
	if n := countRequests(srv, "PUT", "/CertificateStoreTypes"); n != 1 {
		t.Errorf("%d PUTs; want 1", n)
	}
}
