package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

const cliStoreSecret = "cli-Serv3r-Pa55-word"

func TestStoreApplyGetListDelete(t *testing.T) {
	f := newFake(t)
	file := `{"ClientMachine": "web1.example.com", "StorePath": "/etc/ssl/web.pem", "StoreType": 2,
		"Properties": {"separatePrivateKey": "false"}, "SecretsFromEnv": {"ServerPassword": "WEB1_PASSWORD"}}`
	env := append(f.env, "WEB1_PASSWORD="+cliStoreSecret)
	// The variable unset: a field error naming it, nothing sent.
	if r := cli(t, f.env, file, "store", "apply", "--file", "-"); r.code != exitInvalid || !strings.Contains(r.stderr, "WEB1_PASSWORD") {
		t.Fatalf("unset secret: %+v", r)
	}
	r := cli(t, env, file, "store", "apply", "--file", "-", "--plan")
	if r.code != exitPlanChanges || !strings.Contains(r.stdout, `"Action":"create"`) {
		t.Fatalf("--plan: %+v", r)
	}
	r = cli(t, env, file, "store", "apply", "--file", "-")
	var out storePlanOut
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || out.ID == "" {
		t.Fatalf("apply: %+v", r)
	}
	if held, _ := f.Store(out.ID); held.Secrets["ServerPassword"] != cliStoreSecret {
		t.Errorf("the server holds %+v", held.Secrets)
	}
	r = cli(t, env, file, "store", "apply", "--file", "-", "-o", "text")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "= store web1.example.com") {
		t.Errorf("second apply: %+v", r)
	}
	for _, args := range [][]string{{"store", "get", out.ID}, {"store", "get", "--client-machine", "web1.example.com",
		"--store-path", "/etc/ssl/web.pem", "--store-type", "2", "-o", "text"}, {"store", "list"}} {
		r := cli(t, env, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "web1.example.com") || strings.Contains(r.stdout+r.stderr, cliStoreSecret) {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if r := cli(t, env, "", "store", "get"); r.code != exitInvalid {
		t.Errorf("get with nothing: %+v", r)
	}
	if r := cli(t, env, "", "store", "delete", out.ID); r.code != 0 {
		t.Errorf("delete: %+v", r)
	}
	if r := cli(t, env, "", "store", "get", out.ID); r.code != exitNotFound {
		t.Errorf("get after delete: %+v", r)
	}
}

func TestStoreAddCertWaitAndJobs(t *testing.T) {
	f := newFake(t)
	good := f.AddStore(keyfactortest.Store{ClientMachine: "web1.example.com", StorePath: "/etc/ssl/a.pem", StoreType: 2})
	bad := f.AddStore(keyfactortest.Store{ClientMachine: "web2.example.com", StorePath: "/etc/ssl/b.pem", StoreType: 2})
	f.FailStoreJobs(bad, "Access denied to /etc/ssl/b.pem")
	id := enrolled(t, f, "deliver.example.com")
	r := cli(t, f.env, "", "store", "add-cert", id, "--store", good, "--alias", "site", "--wait")
	var out jobsOut
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Results) != 1 || out.Results[0].Status != "succeeded" {
		t.Fatalf("add-cert --wait: %+v", r)
	}
	if !strings.Contains(r.stderr, "store "+good+": succeeded") {
		t.Errorf("no progress on stderr: %q", r.stderr)
	}
	r = cli(t, f.env, "", "store", "add-cert", id, "--store", good+","+bad, "--alias", "site2", "--wait")
	if r.code != exitJobFailed || !strings.Contains(r.stderr, "Access denied") {
		t.Errorf("a failed job: %+v", r)
	}
	r = cli(t, f.env, "", "store", "inventory", good, "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "site2") || !strings.Contains(r.stdout, "site ") {
		t.Errorf("inventory: %+v", r)
	}
	r = cli(t, f.env, "", "job", "list", "--query", "Result -eq 4")
	if r.code != 0 || !strings.Contains(r.stdout, "Access denied") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("job list of failures: %+v", r)
	}
	r = cli(t, f.env, "", "job", "list", "--query", "Result -eq 4", "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "completed: failure") {
		t.Errorf("job list of failures, as text: %+v", r)
	}
	// Without --wait: the jobs, scheduled; job wait follows them.
	r = cli(t, f.env, "", "store", "remove-cert", id, "--store", good)
	out = jobsOut{}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Jobs) != 2 || out.Results != nil {
		t.Fatalf("remove-cert: %+v", r)
	}
	r = cli(t, f.env, "", "job", "wait", out.Jobs[0].ID, out.Jobs[1].ID)
	if r.code != 0 {
		t.Errorf("job wait: %+v", r)
	}
	if held, _ := f.Store(good); len(held.Inventory) != 0 {
		t.Errorf("after remove-cert the store holds %v", held.Inventory)
	}
	if r := cli(t, f.env, "", "job", "wait", "not-a-job"); r.code != exitInvalid {
		t.Errorf("job wait of a bad id: %+v", r)
	}
}

func TestCertRotateCommand(t *testing.T) {
	f := newFake(t)
	id := enrolled(t, f, "rotate.example.com")
	var stores []string
	for _, m := range []string{"web1.example.com", "web2.example.com", "web3.example.com"} {
		st := f.AddStore(keyfactortest.Store{ClientMachine: m, StorePath: "/etc/ssl/site.pem", StoreType: 2})
		if r := cli(t, f.env, "", "store", "add-cert", id, "--store", st, "--alias", "site", "--wait"); r.code != 0 {
			t.Fatal(r)
		}
		stores = append(stores, st)
	}
	f.FailStoreJobs(stores[1], "The orchestrator could not reach web2.example.com.")
	r := cli(t, f.env, "", "cert", "rotate", id)
	var out rotateOut
	if r.code != exitJobFailed || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Stores) != 3 || out.NewCertificateID == 0 {
		t.Fatalf("rotate: %+v", r)
	}
	if strings.Count(r.stderr, ": succeeded") != 2 || !strings.Contains(r.stderr, stores[1]+": failed: The orchestrator could not reach") {
		t.Errorf("progress: %q", r.stderr)
	}
	if held, _ := f.Store(stores[1]); held.Inventory["site"] == out.NewCertificateID {
		t.Error("the failing store holds the new certificate")
	}
	if r := cli(t, f.env, "", "cert", "rotate", id, "--wait=false"); r.code != exitInvalid {
		t.Errorf("--wait=false: %+v", r)
	}
}

func TestStoreTypesAndAgentsCommands(t *testing.T) {
	f := newFake(t)
	agent := f.AddAgent(keyfactortest.Agent{ClientMachine: "orch1.example.com", Version: "10.4"})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"store-type", "list", "-o", "text"}, "PEM"},
		{[]string{"store-type", "get", "--name", "IIS"}, `"ShortName": "IIS"`},
		{[]string{"agent", "approve", agent}, `"approved"`},
		{[]string{"agent", "get", agent}, `"Status": 2`},
		{[]string{"agent", "list", "-o", "text"}, "orch1.example.com"},
		{[]string{"agent", "reset", agent}, `"reset"`},
	} {
		if r := cli(t, f.env, "", c.args...); r.code != 0 || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%v: %+v", c.args, r)
		}
	}
	if r := cli(t, f.env, "", "store-type", "get", "--name", "NoSuch"); r.code != exitNotFound {
		t.Errorf("unknown store type: %+v", r)
	}
}

func TestJobState(t *testing.T) {
	for _, tt := range []struct {
		status, result int
		want           string
	}{
		{1, 0, "waiting"}, {2, 0, "in process"}, {3, 2, "completed: success"}, {4, 3, "acknowledged: warning"},
		{5, 4, "completed, will retry: failure"}, {3, 0, "completed: result 0"}, {9, 2, "status 9, result 2"},
	} {
		if got := jobState(tt.status, tt.result); got != tt.want {
			t.Errorf("jobState(%d, %d) = %q, want %q", tt.status, tt.result, got, tt.want)
		}
	}
}

// A wait cut short reports each job by its own id: the one that ended with
// its end, the one that did not as "not ended", whatever their order.
func TestJobWaitCutShortNamesEachJob(t *testing.T) {
	f := newFake(t)
	id := enrolled(t, f, "wait.example.com")
	st := f.AddStore(keyfactortest.Store{ClientMachine: "web1.example.com", StorePath: "/etc/ssl/site.pem", StoreType: 2})
	r := cli(t, f.env, "", "store", "add-cert", id, "--store", st, "--alias", "site")
	var out jobsOut
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Jobs) != 1 {
		t.Fatalf("add-cert: %+v", r)
	}
	const never = "5c4e0000-0000-4000-8000-00000000ffff" // in no job history
	r = cli(t, f.env, "", "job", "wait", never, out.Jobs[0].ID, "--timeout", "2s", "-o", "text")
	if r.code == 0 || !strings.Contains(r.stdout, "job "+never+" (store ): not ended") ||
		!strings.Contains(r.stdout, "job "+out.Jobs[0].ID+" (store ): succeeded") {
		t.Errorf("job wait cut short: %+v", r)
	}
}
