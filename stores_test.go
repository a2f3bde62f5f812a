package keyfactor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// The wire of delivery: stores, store types, agents and orchestrator
// jobs, each request as Keyfactor documents it.

const (
	wireStoreID = "7e3f0c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
	wireAgentID = "0a9e0000-0000-4000-8000-000000000001"
	wireJob1    = "5c4e0000-0000-4000-8000-000000000001"
	wireJob2    = "5c4e0000-0000-4000-8000-000000000002"
)

func sentQuery(t *testing.T, s sent) url.Values {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestStoreReadWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	m.RegisterResponder("GET", testBase+"/CertificateStores/"+wireStoreID, fixtureResponder(t, 200, "store.json"))
	st, err := c.Stores.Get(ctx, wireStoreID)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON string of Properties becomes a map; a number its text; the
	// secret objects and the top-level Password, set secrets.
	if st.StorePath != "/etc/ssl/web.pem" || st.StoreType != 2 || st.ContainerID == nil || *st.ContainerID != 3 ||
		st.Properties["separatePrivateKey"] != "false" || st.Properties["linuxFilePermissionsOnStoreCreation"] != "600" ||
		st.Properties["IncludesChain"] != "true" || len(st.Properties) != 3 ||
		!st.Secrets["ServerUsername"].IsSet() || !st.Secrets["ServerPassword"].IsSet() || !st.Secrets["StorePassword"].IsSet() ||
		st.InventorySchedule == nil || st.InventorySchedule.Interval != time.Hour {
		t.Errorf("store = %+v", st)
	}
	if r := m.requests()[0]; r.Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("version header %q", r.Header.Get("x-keyfactor-api-version"))
	}

	m.RegisterResponder("GET", testBase+"/CertificateStores", func(*http.Request) (*http.Response, error) {
		return httpmock.NewBytesResponse(200, []byte("["+string(fixture(t, "store.json"))+"]")), nil
	})
	got, err := c.Stores.GetByPath(ctx, "WEB01.example.com", "/etc/ssl/web.pem", 2)
	if err != nil || got.ID != wireStoreID {
		t.Fatalf("GetByPath = %+v, %v", got, err)
	}
	q := sentQuery(t, m.requests()[1])
	if q.Get("QueryString") != `ClientMachine -eq "WEB01.example.com"` || q.Get("PageReturned") != "1" || q.Get("ReturnLimit") != "1000" {
		t.Errorf("GetByPath query = %v", q)
	}
	// The path is exact and so is the type.
	for _, miss := range []struct {
		path string
		typ  int
	}{{"/etc/ssl/WEB.pem", 2}, {"/etc/ssl/web.pem", 3}} {
		if _, err := c.Stores.GetByPath(ctx, "web01.example.com", miss.path, miss.typ); !errors.Is(err, ErrNotFound) {
			t.Errorf("%v: %v", miss, err)
		}
	}

	m.RegisterResponder("GET", testBase+"/CertificateStores/"+wireStoreID+"/Inventory", httpmock.NewStringResponder(200,
		`[{"Name":"web","Certificates":[{"Id":4417,"IssuedDN":"CN=web01.example.com","SerialNumber":"5A3C","NotBefore":"2026-01-01T00:00:00",
		  "NotAfter":"2027-01-01T00:00:00","SigningAlgorithm":"SHA256-RSA","IssuerDN":"CN=Example Issuing CA 1","Thumbprint":"AB12",
		  "CertStoreInventoryItemId":7,"CertState":1,"Metadata":{}}],"Parameters":{"ProviderType":"1"},"CertStoreId":"`+wireStoreID+`"}]`))
	n := 0
	for item, err := range c.Stores.Inventory(ctx, wireStoreID) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if item.Alias != "web" || len(item.Certificates) != 1 || item.Certificates[0].ID != 4417 ||
			item.Certificates[0].NotAfter.Year() != 2027 || item.Parameters["ProviderType"] != "1" {
			t.Errorf("item = %+v", item)
		}
	}
	if n != 1 {
		t.Errorf("%d items", n)
	}
}

func TestStoreWriteWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	m.RegisterResponder("POST", testBase+"/CertificateStores", fixtureResponder(t, 200, "store.json"))
	container := 3
	req := CreateStoreRequest{ContainerID: &container, ClientMachine: "web01.example.com", StorePath: "/etc/ssl/web.pem", StoreType: 2,
		AgentID: wireAgentID, Properties: map[string]string{"separatePrivateKey": "false"},
		Secrets:           map[string]Secret{"ServerPassword": NewSecret("pw-1"), "StorePassword": NewSecret("pw-2")},
		InventorySchedule: &Schedule{Daily: &TimeOfDay{Hour: 23, Minute: 30}}}
	st, err := c.Stores.Create(ctx, req)
	if err != nil || st.ID != wireStoreID {
		t.Fatalf("Create = %+v, %v", st, err)
	}
	assertJSON(t, m.requests()[0].Body, `{"ContainerId":3,"ClientMachine":"web01.example.com","Storepath":"/etc/ssl/web.pem","CertStoreType":2,
		"CreateIfMissing":false,"AgentId":"`+wireAgentID+`","AgentAssigned":true,
		"Properties":"{\"ServerPassword\":{\"value\":{\"SecretValue\":\"pw-1\"}},\"separatePrivateKey\":\"false\"}",
		"InventorySchedule":{"Daily":{"Time":"2000-01-01T23:30:00Z"}},"Password":{"SecretValue":"pw-2"}}`)

	m.RegisterResponder("PUT", testBase+"/CertificateStores", fixtureResponder(t, 200, "store.json"))
	if _, err := c.Stores.Update(ctx, UpdateStoreRequest{ID: wireStoreID, CreateStoreRequest: req}); err != nil {
		t.Fatal(err)
	}
	r := m.requests()[1]
	if r.Method != "PUT" || !strings.Contains(string(r.Body), `"Id":"`+wireStoreID+`"`) {
		t.Errorf("Update sent %s %s", r.Method, r.Body)
	}

	m.RegisterResponder("DELETE", testBase+"/CertificateStores/"+wireStoreID, httpmock.NewStringResponder(204, ""))
	if err := c.Stores.Delete(ctx, wireStoreID); err != nil {
		t.Fatal(err)
	}

	m.RegisterResponder("POST", testBase+"/CertificateStores/Schedule", httpmock.NewStringResponder(204, ""))
	if err := c.Stores.ScheduleInventory(ctx, []string{wireStoreID}, Schedule{}); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, m.requests()[3].Body, `{"StoreIds":["`+wireStoreID+`"],"Schedule":{"Immediate":true}}`)

	// Bad input: every bad field named, nothing sent, no secret shown.
	before := len(m.requests())
	_, err = c.Stores.Create(ctx, CreateStoreRequest{StoreType: -1, AgentID: "agent-1", Secrets: map[string]Secret{"ServerPassword": NewSecret("pw-3")},
		InventorySchedule: &Schedule{Daily: &TimeOfDay{Hour: 25}}})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(m.requests()) != before {
		t.Fatalf("bad store: %v", err)
	}
	for _, f := range []string{"ClientMachine", "StorePath", "StoreType", "AgentID", "InventorySchedule"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s not named: %v", f, err)
		}
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", err, req, req), "pw-") {
		t.Error("a secret printed")
	}
}

// lastSent is the last request sent to a path ending in suffix.
func lastSent(t *testing.T, m *mock, suffix string) sent {
	t.Helper()
	all := m.requests()
	for i := len(all) - 1; i >= 0; i-- {
		if u, _ := url.Parse(all[i].URL); u != nil && strings.HasSuffix(u.Path, suffix) {
			return all[i]
		}
	}
	t.Fatalf("nothing was sent to %s", suffix)
	return sent{}
}

func TestStoreCertificatesWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/ScheduledJobs", httpmock.NewStringResponder(200, `[]`))
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/JobHistory", httpmock.NewStringResponder(200, `[]`))
	m.RegisterResponder("POST", testBase+"/CertificateStores/Certificates/Add", httpmock.NewStringResponder(200, `["`+wireJob1+`"]`))
	entry := NewSecret("entry-pw")
	jobs, err := c.Stores.AddCertificate(ctx, AddCertificateRequest{CertificateID: 4417, CollectionID: 5,
		Stores: []StoreTarget{{StoreID: wireStoreID, Alias: "web", Overwrite: true, EntryPassword: &entry, IncludePrivateKey: true}}})
	if err != nil || len(jobs) != 1 || jobs[0].ID != wireJob1 || jobs[0].StoreID != wireStoreID {
		t.Fatalf("AddCertificate = %+v, %v", jobs, err)
	}
	assertJSON(t, lastSent(t, m, "/Certificates/Add").Body, `{"CertificateId":4417,"CertificateStores":[{"CertificateStoreId":"`+wireStoreID+`","Alias":"web",
		"Overwrite":true,"EntryPassword":{"SecretValue":"entry-pw"},"IncludePrivateKey":true}],"Schedule":{"Immediate":true},"CollectionId":5}`)

	m.RegisterResponder("POST", testBase+"/CertificateStores/Certificates/Remove", httpmock.NewStringResponder(200, `["`+wireJob2+`"]`))
	jobs, err = c.Stores.RemoveCertificate(ctx, RemoveCertificateRequest{Stores: []StoreTarget{{StoreID: wireStoreID, Alias: "web"}},
		When: Schedule{ExactlyOnce: ptrTime(time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC))}})
	if err != nil || len(jobs) != 1 || jobs[0].ID != wireJob2 {
		t.Fatalf("RemoveCertificate = %+v, %v", jobs, err)
	}
	assertJSON(t, lastSent(t, m, "/Certificates/Remove").Body, `{"CertificateStores":[{"CertificateStoreId":"`+wireStoreID+`","Alias":"web"}],
		"Schedule":{"ExactlyOnce":{"Time":"2026-12-06T02:00:00Z"}}}`)
}

// TestAddCertificateAfterALostAnswer: the POST is sent once; the job it
// scheduled is found (and an older job on the same store is not taken for
// it); when none appears, the outcome is unknown.
func TestAddCertificateAfterALostAnswer(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	m.RegisterResponder("GET", testBase+"/CertificateStores/"+wireStoreID, fixtureResponder(t, 200, "store.json"))
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/JobHistory", httpmock.NewStringResponder(200, `[]`))
	older := `{"Id":"` + wireJob2 + `","ClientMachine":"web01.example.com","Target":"/etc/ssl/web.pem","Requested":"2026-12-05T10:00:00Z","JobType":"Management"}`
	landed := false
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/ScheduledJobs", func(*http.Request) (*http.Response, error) {
		if landed {
			return httpmock.NewStringResponse(200, `[`+older+`,{"Id":"`+wireJob1+`","ClientMachine":"web01.example.com",
				"Target":"/etc/ssl/web.pem","Requested":"2026-12-05T10:00:00Z","JobType":"Management"}]`), nil
		}
		return httpmock.NewStringResponse(200, `[`+older+`]`), nil
	})
	m.RegisterResponder("POST", testBase+"/CertificateStores/Certificates/Add", func(*http.Request) (*http.Response, error) {
		landed = true
		return nil, errors.New("connection reset by peer")
	})
	req := AddCertificateRequest{CertificateID: 4417, Stores: []StoreTarget{{StoreID: wireStoreID, Alias: "web"}}}
	jobs, err := c.Stores.AddCertificate(ctx, req)
	if err != nil || len(jobs) != 1 || jobs[0].ID != wireJob1 || jobs[0].StoreID != wireStoreID {
		t.Fatalf("after a lost answer = %+v, %v", jobs, err)
	}
	// It never landed: no new job appears, and nothing is re-sent.
	m.RegisterResponder("POST", testBase+"/CertificateStores/Certificates/Add", httpmock.NewErrorResponder(errors.New("connection reset")))
	landed = false
	before := len(m.requests())
	if _, err := c.Stores.AddCertificate(ctx, req); !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("never landed: %v", err)
	}
	adds := 0
	for _, r := range m.requests()[before:] {
		if strings.HasSuffix(r.URL, "/Certificates/Add") {
			adds++
		}
	}
	if adds != 1 {
		t.Errorf("Add sent %d times", adds)
	}
}

func TestJobsWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/JobHistory", fixtureResponder(t, 200, "job_history.json"))
	results, err := c.Jobs.Wait(ctx, []Job{{ID: wireJob1, StoreID: "a"}, {ID: wireJob2, StoreID: "b"}})
	if !errors.Is(err, ErrJobFailed) || len(results) != 2 || results[0].Status != JobSucceeded || results[1].Status != JobFailed ||
		!strings.Contains(results[1].Message, "denied") || results[1].AgentMachine != "orch1.example.com" ||
		!results[1].Finished.Equal(time.Date(2026, 12, 5, 10, 0, 4, 0, time.UTC)) {
		t.Fatalf("Wait = %+v, %v", results, err)
	}
	q := sentQuery(t, m.requests()[0])
	if q.Get("QueryString") != `JobId -eq "`+wireJob1+`"` {
		t.Errorf("Wait query = %v", q)
	}
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/ScheduledJobs", httpmock.NewStringResponder(200,
		`[{"Id":"`+wireJob1+`","ClientMachine":"web01.example.com","Target":"/etc/ssl/web.pem","Schedule":{"Immediate":true},
		  "Requested":"2026-12-05T10:00:00Z","JobType":"Management"}]`))
	for j, err := range c.Jobs.Scheduled(ctx, ListScheduledJobsOptions{SortField: "Requested", Descending: true}) {
		if err != nil || j.ID != wireJob1 || j.Target != "/etc/ssl/web.pem" || j.Requested.Hour() != 10 {
			t.Errorf("scheduled = %+v, %v", j, err)
		}
	}
	q = sentQuery(t, m.requests()[len(m.requests())-1])
	if q.Get("SortField") != "Requested" || q.Get("SortAscending") != "1" {
		t.Errorf("Scheduled query = %v", q)
	}
	m.RegisterResponder("POST", testBase+"/OrchestratorJobs/Acknowledge", httpmock.NewStringResponder(204, ""))
	if err := c.Jobs.Acknowledge(ctx, []int64{8802}); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, m.requests()[len(m.requests())-1].Body, `{"JobAuditIds":[8802]}`)
	before := len(m.requests())
	if _, err := c.Jobs.Wait(ctx, []Job{{ID: "job-1"}}); !errors.Is(err, ErrValidation) || len(m.requests()) != before {
		t.Errorf("bad job id: %v", err)
	}
}

// TestJobsWaitCompletedWillRetryIsNotAnEnd: status 5 runs again; a later
// record ends it.
func TestJobsWaitCompletedWillRetryIsNotAnEnd(t *testing.T) {
	c, m := newTestClient(t)
	calls := 0
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/JobHistory", func(*http.Request) (*http.Response, error) {
		calls++
		body := `[{"JobHistoryId":1,"JobId":"` + wireJob1 + `","Result":4,"Status":5,"Message":"retrying","OperationStart":"2026-12-05T10:00:00Z"}]`
		if calls > 2 {
			body = `[{"JobHistoryId":1,"JobId":"` + wireJob1 + `","Result":4,"Status":5,"Message":"retrying","OperationStart":"2026-12-05T10:00:00Z"},
			         {"JobHistoryId":2,"JobId":"` + wireJob1 + `","Result":3,"Status":3,"Message":"renamed the alias","OperationStart":"2026-12-05T10:01:00Z"}]`
		}
		return httpmock.NewStringResponse(200, body), nil
	})
	res, err := c.Jobs.Wait(context.Background(), []Job{{ID: wireJob1}})
	if err != nil || len(res) != 1 || res[0].Status != JobWarning || res[0].Message != "renamed the alias" || calls != 3 {
		t.Errorf("Wait = %+v, %v after %d reads", res, err, calls)
	}
}

func TestStoreTypesAndAgentsWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	pem := `{"StoreType":2,"Name":"PEM File","ShortName":"PEM","Capability":"PEM","LocalStore":false,
		"SupportedOperations":{"Add":true,"Create":true,"Discovery":false,"Enrollment":false,"Remove":true},
		"Properties":[{"Name":"separatePrivateKey","DisplayName":"Separate key","Type":"Bool","DependsOn":"","DefaultValue":"false","Required":false}],
		"EntryParameters":[],"PasswordOptions":{"EntrySupported":false,"StoreRequired":true,"Style":"Default"},"StorePathType":"",
		"StorePathValue":"","PrivateKeyAllowed":1,"ServerRequired":true,"PowerShell":false}`
	m.RegisterResponder("GET", testBase+"/CertificateStoreTypes/Name/PEM", httpmock.NewStringResponder(200, "["+pem+"]"))
	st, err := c.StoreTypes.GetByName(ctx, "PEM")
	if err != nil || st.ID != 2 || !st.SupportedOperations.Create || len(st.Properties) != 1 || !st.PasswordOptions.StoreRequired {
		t.Fatalf("GetByName = %+v, %v", st, err)
	}
	m.RegisterResponder("GET", testBase+"/CertificateStoreTypes/Name/None", httpmock.NewStringResponder(200, "[]"))
	if _, err := c.StoreTypes.GetByName(ctx, "None"); !errors.Is(err, ErrNotFound) {
		t.Errorf("none: %v", err)
	}
	m.RegisterResponder("GET", testBase+"/CertificateStoreTypes/Name/PEM", httpmock.NewStringResponder(200, "["+pem+","+strings.Replace(pem, `"StoreType":2`, `"StoreType":102`, 1)+"]"))
	if _, err := c.StoreTypes.GetByName(ctx, "PEM"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "102") {
		t.Errorf("two: %v", err)
	}
	m.RegisterResponder("GET", testBase+"/CertificateStoreTypes/0", httpmock.NewStringResponder(200, strings.Replace(pem, `"StoreType":2`, `"StoreType":0`, 1)))
	if st, err := c.StoreTypes.Get(ctx, 0); err != nil || st.ID != 0 {
		t.Errorf("Get(0) = %+v, %v", st, err)
	}
	m.RegisterResponder("PUT", testBase+"/CertificateStoreTypes", httpmock.NewStringResponder(200, pem))
	if _, err := c.StoreTypes.Update(ctx, UpdateStoreTypeRequest{ID: 0, CreateStoreTypeRequest: CreateStoreTypeRequest{Name: "JKS", ShortName: "JKS"}}); err != nil {
		t.Fatal(err)
	}
	if body := string(m.requests()[len(m.requests())-1].Body); !strings.Contains(body, `"StoreType":0`) || !strings.Contains(body, `"ShortName":"JKS"`) {
		t.Errorf("Update body %s", body)
	}

	m.RegisterResponder("POST", testBase+"/Agents/Approve", httpmock.NewStringResponder(204, ""))
	m.RegisterResponder("POST", testBase+"/Agents/Disapprove", httpmock.NewStringResponder(204, ""))
	m.RegisterResponder("POST", testBase+"/Agents/"+wireAgentID+"/Reset", httpmock.NewStringResponder(204, ""))
	m.RegisterResponder("POST", testBase+"/Agents/"+wireAgentID+"/FetchLogs", httpmock.NewStringResponder(204, ""))
	other := "0a9e0000-0000-4000-8000-000000000002"
	before := len(m.requests())
	for _, f := range []func() error{
		func() error { return c.Agents.Approve(ctx, wireAgentID, other) },
		func() error { return c.Agents.Disapprove(ctx, wireAgentID) },
		func() error { return c.Agents.Reset(ctx, wireAgentID) },
		func() error { return c.Agents.FetchLogs(ctx, wireAgentID) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	sentNow := m.requests()[before:]
	if len(sentNow) != 4 {
		t.Fatalf("%d requests", len(sentNow))
	}
	assertJSON(t, sentNow[0].Body, `["`+wireAgentID+`","`+other+`"]`)
	assertJSON(t, sentNow[1].Body, `["`+wireAgentID+`"]`)
	m.RegisterResponder("GET", testBase+"/Agents/"+wireAgentID, httpmock.NewStringResponder(200,
		`{"AgentId":"`+wireAgentID+`","ClientMachine":"orch1.example.com","Username":"KEYFACTOR\\orch","AgentPlatform":2,"Version":"10.4.1",
		  "Status":2,"LastSeen":"2026-12-05T09:59:00Z","Capabilities":["PEM","IIS"],"Blueprint":null,"Thumbprint":"","LastErrorCode":0,
		  "LastErrorMessage":null}`))
	a, err := c.Agents.Get(ctx, wireAgentID)
	if err != nil || a.ClientMachine != "orch1.example.com" || a.Platform != 2 || a.LastSeen == nil || len(a.Capabilities) != 2 {
		t.Errorf("Agent = %+v, %v", a, err)
	}
	before = len(m.requests())
	if err := c.Agents.Approve(ctx); !errors.Is(err, ErrValidation) || len(m.requests()) != before {
		t.Errorf("approve nobody: %v", err)
	}
}

// TestRotateWireFormat: a certificate in two stores is renewed, replaced
// in both with one Replace, and each store's job waited for; Progress
// reports each store as its job ends, the first while the second still
// runs.
func TestRotateWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return at }
	const store2 = "7e3f0c2a-1b2c-4d5e-8f90-a1b2c3d4e5f7"
	location := func(id, machine string) string {
		return `{"StoreId":"` + id + `","StoreTypeId":2,"ClientMachine":"` + machine + `","StorePath":"/etc/ssl/web.pem",
		  "AgentPool":null,"Alias":"web","IPAddress":null,"Port":null,"NetworkName":null}`
	}
	m.RegisterResponder("GET", testBase+"/Certificates/4417", httpmock.NewStringResponder(200,
		`{"Id":4417,"IssuedCN":"web01.example.com","IssuedDN":"CN=web01.example.com","TemplateName":"WebServer"}`))
	m.RegisterResponder("GET", testBase+"/Certificates/Locations/4417", httpmock.NewStringResponder(200,
		`{"Details":[{"StoreType":"PEM","StoreTypeId":2,"StoreCount":2,"Locations":[`+location(wireStoreID, "web01.example.com")+`,`+
			location(store2, "web02.example.com")+`]}]}`))
	m.RegisterResponder("GET", testBase+"/Enrollment/AvailableRenewal/Id/4417", httpmock.NewStringResponder(200, `{"AvailableRenewalType":2,"Message":""}`))
	m.RegisterResponder("POST", testBase+"/Enrollment/Renew", httpmock.NewStringResponder(200,
		`{"KeyfactorId":4500,"KeyfactorRequestId":9300,"Thumbprint":"CD","SerialNumber":"5B00","IssuerDN":"CN=Example Issuing CA 1",
		  "RequestDisposition":"ISSUED","DispositionMessage":"","Password":null}`))
	m.RegisterResponder("POST", testBase+"/Enrollment/PFX/Replace", httpmock.NewStringResponder(200,
		`{"SuccessfulStores":["`+wireStoreID+`","`+store2+`"],"FailedStores":[]}`))
	scheduled := 0
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/ScheduledJobs", func(*http.Request) (*http.Response, error) {
		scheduled++
		if scheduled == 1 { // before Replace: nothing
			return httpmock.NewStringResponse(200, `[]`), nil
		}
		job := func(id, machine string) string {
			return `{"Id":"` + id + `","ClientMachine":"` + machine + `","Target":"/etc/ssl/web.pem","Requested":"2026-12-05T10:00:00Z","JobType":"Management"}`
		}
		return httpmock.NewStringResponse(200, `[`+job(wireJob1, "web01.example.com")+`,`+job(wireJob2, "web02.example.com")+`]`), nil
	})
	history, job2Looks := 0, 0
	m.RegisterResponder("GET", testBase+"/OrchestratorJobs/JobHistory", func(r *http.Request) (*http.Response, error) {
		history++
		record := func(id, machine string, status int) string {
			return `{"JobHistoryId":9,"JobId":"` + id + `","Result":2,"Status":` + strconv.Itoa(status) + `,"OperationStart":"2026-12-05T10:00:01Z",
				"OperationEnd":"2026-12-05T10:00:02Z","ClientMachine":"` + machine + `","StorePath":"/etc/ssl/web.pem"}`
		}
		switch q := r.URL.Query().Get("QueryString"); {
		case strings.Contains(q, wireJob1):
			return httpmock.NewStringResponse(200, `[`+record(wireJob1, "web01.example.com", 3)+`]`), nil
		case strings.Contains(q, wireJob2):
			job2Looks++
			if job2Looks == 1 { // in process at the first look
				return httpmock.NewStringResponse(200, `[`+record(wireJob2, "web02.example.com", 2)+`]`), nil
			}
			return httpmock.NewStringResponse(200, `[`+record(wireJob2, "web02.example.com", 3)+`]`), nil
		}
		return httpmock.NewStringResponse(200, `[]`), nil
	})
	type seen struct {
		store     string
		job2Looks int
	}
	var progress []seen
	rot, err := c.Certificates.Rotate(ctx, 4417, RotateOptions{Password: "transit-pw",
		Progress: func(r JobResult) { progress = append(progress, seen{r.Job.StoreID, job2Looks}) }})
	if err != nil || rot.New.CertificateID != 4500 || len(rot.Stores) != 2 || rot.Stores[0].Status != JobSucceeded ||
		rot.Stores[0].Job.ID != wireJob1 || rot.Stores[1].Job.ID != wireJob2 || rot.Stores[1].Status != JobSucceeded {
		t.Fatalf("Rotate = %+v, %v", rot, err)
	}
	if want := []seen{{wireStoreID, 0}, {store2, 2}}; !slices.Equal(progress, want) {
		t.Errorf("progress = %+v, want %+v: each store as its job ends", progress, want)
	}
	replaces, since := 0, 0
	for _, r := range m.requests() {
		if strings.HasSuffix(r.URL, "/Enrollment/PFX/Replace") {
			replaces++
			assertJSON(t, r.Body, `{"ExistingCertificateId":4417,"CertificateId":4500,"Password":"transit-pw"}`)
		}
		if strings.Contains(r.URL, "OperationStart") {
			since++
			if q := sentQuery(t, r).Get("QueryString"); q != `OperationStart -ge "2026-12-05T09:55:00Z"` {
				t.Errorf("history since: %q", q)
			}
		}
	}
	// One Replace; job history read since five minutes before it, once to
	// note the jobs that were there and once to find the new ones.
	if replaces != 1 || since != 2 {
		t.Errorf("%d Replace, %d history reads since", replaces, since)
	}
}

func TestScheduleReadsWeekdayNamesAndNumbers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []time.Weekday
		ok   bool
	}{
		{`{"Weekly":{"Days":[1,5],"Time":"2026-01-01T02:00:00Z"}}`, []time.Weekday{time.Monday, time.Friday}, true},
		{`{"Weekly":{"Days":["Monday","friday"],"Time":"2026-01-01T02:00:00Z"}}`, []time.Weekday{time.Monday, time.Friday}, true},
		{`{"Weekly":{"Days":["Mon"],"Time":"2026-01-01T02:00:00Z"}}`, nil, false},
		{`{"Weekly":{"Days":[7],"Time":"2026-01-01T02:00:00Z"}}`, nil, false},
	} {
		var s Schedule
		err := json.Unmarshal([]byte(c.in), &s)
		if (err == nil) != c.ok || c.ok && (s.Weekly == nil || !slices.Equal(s.Weekly.Days, c.want) || s.Weekly.At != (TimeOfDay{2, 0})) {
			t.Errorf("%s: %+v, %v", c.in, s.Weekly, err)
		}
	}
	b, _ := json.Marshal(Schedule{Weekly: &WeeklySchedule{Days: []time.Weekday{time.Monday}, At: TimeOfDay{2, 30}}})
	assertJSON(t, b, `{"Weekly":{"Days":[1],"Time":"2000-01-01T02:30:00Z"}}`)
}

// FuzzStoreWire: any store answer decodes without panic, and what the SDK
// reads of Properties writes back as the same plain values.
func FuzzStoreWire(f *testing.F) {
	f.Add([]byte(`{"Properties":"{\"a\":\"1\",\"n\":600,\"s\":{\"value\":{}}}","InventorySchedule":{"Weekly":{"Days":["Monday"],"Time":"x"}}}`))
	f.Add([]byte(`{"Properties":"not json","Password":{"HasValue":true}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w storeWire
		if json.Unmarshal(b, &w) != nil {
			return
		}
		st := w.store()
		props, _ := decodeProperties(encodeProperties(st.Properties, nil))
		if len(props) != len(st.Properties) {
			t.Fatalf("round trip of %v gave %v", st.Properties, props)
		}
		for k, v := range st.Properties {
			if props[k] != v {
				t.Fatalf("%q: %q became %q", k, v, props[k])
			}
		}
	})
}

func TestStoreTypeCreateDeleteWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	m.RegisterResponder("POST", testBase+"/CertificateStoreTypes", httpmock.NewStringResponder(200,
		`{"StoreType":120,"Name":"Kubernetes Secret","ShortName":"K8SSecret","Capability":"K8SSecret","Properties":[],"EntryParameters":[],
		  "PasswordOptions":{"EntrySupported":false,"StoreRequired":false,"Style":"Default"},"PrivateKeyAllowed":2}`))
	st, err := c.StoreTypes.Create(ctx, CreateStoreTypeRequest{Name: "Kubernetes Secret", ShortName: "K8SSecret", Capability: "K8SSecret",
		SupportedOperations: StoreTypeOperations{Add: true, Remove: true}, PrivateKeyAllowed: 2,
		Properties: []StoreTypeProperty{{Name: "KubeNamespace", DisplayName: "Namespace", Type: "String", Required: true}}})
	if err != nil || st.ID != 120 {
		t.Fatalf("Create = %+v, %v", st, err)
	}
	body := string(lastSent(t, m, "/CertificateStoreTypes").Body)
	for _, want := range []string{`"ShortName":"K8SSecret"`, `"SupportedOperations":{"Add":true,"Create":false,"Discovery":false,"Enrollment":false,"Remove":true}`,
		`"Properties":[{"Name":"KubeNamespace","DisplayName":"Namespace","Type":"String","DependsOn":"","DefaultValue":"","Required":true}]`,
		`"PrivateKeyAllowed":2`} {
		if !strings.Contains(body, want) {
			t.Errorf("Create body lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, `"StoreType"`) {
		t.Errorf("a create sends no id: %s", body)
	}
	m.RegisterResponder("DELETE", testBase+"/CertificateStoreTypes/120", httpmock.NewStringResponder(204, ""))
	if err := c.StoreTypes.Delete(ctx, 120); err != nil {
		t.Fatal(err)
	}
	before := len(m.requests())
	_, err = c.StoreTypes.Create(ctx, CreateStoreTypeRequest{Properties: []StoreTypeProperty{{}}, EntryParameters: []StoreTypeProperty{{}, {}}})
	for _, f := range []string{"Name", "ShortName", "Properties[0].Name", "EntryParameters[1].Name"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("%s not named: %v", f, err)
		}
	}
	if len(m.requests()) != before {
		t.Error("bad input was sent")
	}
}

// TestGetByPathQuoteInMachineName: a client machine holding `"` cannot be
// queried; the whole list is read and compared here, never a mangled name.
func TestGetByPathQuoteInMachineName(t *testing.T) {
	c, m := newTestClient(t)
	store := strings.Replace(string(fixture(t, "store.json")), `"ClientMachine": "web01.example.com"`, `"ClientMachine": "we\"b01"`, 1)
	m.RegisterResponder("GET", testBase+"/CertificateStores", httpmock.NewStringResponder(200, `[`+store+`]`))
	st, err := c.Stores.GetByPath(context.Background(), `we"b01`, "/etc/ssl/web.pem", 2)
	if err != nil || st.ID != wireStoreID {
		t.Fatalf("GetByPath = %+v, %v", st, err)
	}
	if q := sentQuery(t, m.requests()[0]); q.Has("QueryString") {
		t.Errorf("queried %q", q.Get("QueryString"))
	}
	if _, err := c.Stores.GetByPath(context.Background(), `web01`, "/etc/ssl/web.pem", 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("the quote stripped: %v", err)
	}
}

// An empty GUID names no object and is refused before sending: sent, ""
// would make GET /CertificateStores/{id} the list of every store, POST
// /Agents/{id}/Reset a path with an empty segment, and Jobs.Wait poll
// forever for a job id no history holds.
func TestEmptyGUIDIsRefused(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	drain := func(seq func(func(InventoryItem, error) bool)) (err error) {
		for _, e := range seq {
			return e
		}
		return nil
	}
	for _, tt := range []struct {
		op, field string
		call      func() error
	}{
		{"Stores.Get", "id", func() error { _, err := c.Stores.Get(ctx, ""); return err }},
		{"Stores.Update", "ID", func() error {
			_, err := c.Stores.Update(ctx, UpdateStoreRequest{CreateStoreRequest: CreateStoreRequest{ClientMachine: "m", StorePath: "p"}})
			return err
		}},
		{"Stores.Delete", "id", func() error { return c.Stores.Delete(ctx, "") }},
		{"Stores.Inventory", "id", func() error { return drain(c.Stores.Inventory(ctx, "")) }},
		{"Stores.ScheduleInventory", "ids[0]", func() error { return c.Stores.ScheduleInventory(ctx, []string{""}, Schedule{Immediate: true}) }},
		{"Stores.AddCertificate", "Stores[0].StoreID", func() error {
			_, err := c.Stores.AddCertificate(ctx, AddCertificateRequest{CertificateID: 1, Stores: []StoreTarget{{}}})
			return err
		}},
		{"Jobs.Wait", "jobs[0].ID", func() error { _, err := c.Jobs.Wait(ctx, []Job{{}}); return err }},
		{"Agents.Get", "id", func() error { _, err := c.Agents.Get(ctx, ""); return err }},
		{"Agents.Approve", "ids[0]", func() error { return c.Agents.Approve(ctx, "") }},
		{"Agents.Reset", "id", func() error { return c.Agents.Reset(ctx, "") }},
		{"Enrollment.PFX", "Stores[0].StoreID", func() error {
			_, err := c.Enrollment.PFX(ctx, EnrollPFXRequest{Subject: "CN=web01", EnrollmentPolicy: EnrollmentPolicy{Template: "WebServer"},
				Stores: []StoreDelivery{{}}})
			return err
		}},
	} {
		t.Run(tt.op, func(t *testing.T) {
			assertValidation(t, tt.call(), tt.op, []string{tt.field}, "required: a GUID")
		})
	}
	assertNothingSent(t, m)
}

// A CA name that is not host\logical cannot name a CA, and a job history
// id is positive: both are refused before sending.
func TestCANameAndJobAuditIDsChecked(t *testing.T) {
	c, m := newTestClient(t)
	ctx := context.Background()
	_, err := c.CertificateAuthorities.GetByName(ctx, "CorpIssuingCA1")
	assertValidation(t, err, "CertificateAuthorities.GetByName", []string{"name"}, `"CorpIssuingCA1" is not "host\logical"`)
	err = c.Jobs.Acknowledge(ctx, []int64{5, 0})
	assertValidation(t, err, "Jobs.Acknowledge", []string{"jobAuditIDs[1]"}, "must be greater than 0, got 0")
	assertNothingSent(t, m)
}
