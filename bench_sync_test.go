package keyfactor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// The sync benchmarks: 500 desired roles, concurrency 16, a fake answering
// each request after 5 ms. The ideal is the list pass plus 500/16 rounds of
// GETs: 1 × 5 ms + 32 × 5 ms = 165 ms.
const (
	syncRoles       = 500
	syncConcurrency = 16
	syncLatency     = 5 * time.Millisecond
	syncDrifted     = 50
)

var syncIdeal = syncLatency * (1 + (syncRoles+syncConcurrency-1)/syncConcurrency)

// syncFixture is a fake with latency holding the desired roles, which a
// first Sync created, and a Client for it.
func syncFixture(b *testing.B) (*keyfactortest.Server, *keyfactor.Client, []keyfactor.CreateRoleRequest) {
	b.Helper()
	srv := keyfactortest.NewServer(keyfactortest.WithLatency(syncLatency))
	b.Cleanup(srv.Close)
	c, err := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, AllowInsecureHTTP: true,
		Auth: keyfactor.BearerToken(keyfactortest.AdminToken)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	desired := make([]keyfactor.CreateRoleRequest, syncRoles)
	for i := range desired {
		desired[i] = teamRole(i, "/portal/read/", "/certificates/collections/read/", "/reports/read/")
	}
	if _, err := c.Roles.Sync(context.Background(), desired, keyfactor.SyncOptions{Concurrency: syncConcurrency}); err != nil {
		b.Fatal(err)
	}
	return srv, c, desired
}

// syncCounts sorts the requests a run made.
type syncCounts struct{ lists, roleGets, otherGets, puts, otherWrites int }

func countSync(srv *keyfactortest.Server) syncCounts {
	var n syncCounts
	for _, r := range srv.Requests() {
		path := strings.TrimPrefix(r.Path, keyfactortest.DefaultAPIPath)
		switch {
		case r.Method == http.MethodGet && path == "/Security/Roles":
			n.lists++
		case r.Method == http.MethodGet && strings.HasPrefix(path, "/Security/Roles/"):
			n.roleGets++
		case r.Method == http.MethodGet:
			n.otherGets++
		case r.Method == http.MethodPut:
			n.puts++
		default:
			n.otherWrites++
		}
	}
	return n
}

// report reports the last run's requests, and the mean time against the
// ideal (call it after the loop).
func (n syncCounts) report(b *testing.B) {
	b.ReportMetric(float64(n.lists), "list-pages")
	b.ReportMetric(float64(n.lists+n.roleGets+n.otherGets), "reads")
	b.ReportMetric(float64(n.puts+n.otherWrites), "writes")
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(syncIdeal), "x-ideal")
}

// BenchmarkSync500Unchanged syncs 500 roles the server already holds: one
// list pass, 500 GETs, no write. The pass is two requests: a short first
// page of 50 or more could be a server capping ReturnLimit, so the pager
// asks for the next one (see paging.go).
func BenchmarkSync500Unchanged(b *testing.B) {
	srv, c, desired := syncFixture(b)
	var n syncCounts
	for b.Loop() {
		srv.ResetRequests()
		plan, err := c.Roles.Sync(context.Background(), desired, keyfactor.SyncOptions{Concurrency: syncConcurrency})
		n = countSync(srv)
		if err != nil || actions(plan)[keyfactor.ActionNone] != syncRoles {
			b.Fatal(err, actions(plan))
		}
		if n.lists > 2 || n.roleGets != syncRoles || n.otherGets != 0 || n.puts+n.otherWrites != 0 {
			b.Fatalf("requests: %+v", n)
		}
	}
	n.report(b)
}

// BenchmarkSync500Drifted50 syncs 500 roles of which 50 differ from what
// the server holds: exactly 50 PUTs. Each round drifts the same 50 anew.
func BenchmarkSync500Drifted50(b *testing.B) {
	srv, c, desired := syncFixture(b)
	var n syncCounts
	round := 0
	for b.Loop() {
		round++
		for i := range syncDrifted {
			desired[i].Description = fmt.Sprintf("drift %d", round)
		}
		srv.ResetRequests()
		plan, err := c.Roles.Sync(context.Background(), desired, keyfactor.SyncOptions{Concurrency: syncConcurrency})
		n = countSync(srv)
		if a := actions(plan); err != nil || a[keyfactor.ActionUpdate] != syncDrifted || a[keyfactor.ActionNone] != syncRoles-syncDrifted {
			b.Fatal(err, a)
		}
		// Each update is Modify's GET, PUT and verifying GET.
		if n.lists > 2 || n.roleGets != syncRoles+2*syncDrifted || n.puts != syncDrifted || n.otherWrites != 0 {
			b.Fatalf("requests: %+v", n)
		}
	}
	n.report(b)
}

// BenchmarkSync500Baseline is what plain net/http and encoding/json take for
// the same reads against the same fake: the list page, then the 500 roles
// with 16 goroutines, each decoded.
func BenchmarkSync500Baseline(b *testing.B) {
	srv, _, _ := syncFixture(b)
	tr := plainTransport()
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: keyfactor.DefaultTimeout}
	get := func(path string, out any) error {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			return err
		}
		baselineHeaders(req.Header, "2.0", false)
		req.Header.Set("Authorization", "Bearer "+keyfactortest.AdminToken)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		err = json.NewDecoder(resp.Body).Decode(out)
		_, _ = io.Copy(io.Discard, resp.Body)
		return err
	}
	type claim struct {
		ID                    int `json:"Id"`
		ClaimType, ClaimValue string
		Description           string
		Provider              struct{ ID, AuthenticationScheme, DisplayName string }
	}
	type role struct {
		ID                              int `json:"Id"`
		Name, Description, EmailAddress string
		Immutable                       bool
		PermissionSetID                 string `json:"PermissionSetId"`
		Permissions                     []string
		Claims                          []claim
	}
	var n syncCounts
	for b.Loop() {
		srv.ResetRequests()
		var list []role
		if err := get("/Security/Roles?PageReturned=1&ReturnLimit=1000", &list); err != nil || len(list) < syncRoles {
			b.Fatal(err, len(list))
		}
		var next, failures atomic.Int32
		var wg sync.WaitGroup
		for range syncConcurrency {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < len(list); i = int(next.Add(1)) - 1 {
					if !strings.HasPrefix(list[i].Name, "Team ") {
						continue
					}
					var r role
					if err := get(fmt.Sprintf("/Security/Roles/%d", list[i].ID), &r); err != nil || r.Name != list[i].Name {
						failures.Add(1)
					}
				}
			})
		}
		wg.Wait()
		n = countSync(srv)
		if failures.Load() > 0 || n.roleGets != syncRoles {
			b.Fatalf("%d failures; requests %+v", failures.Load(), n)
		}
	}
	n.report(b)
}
