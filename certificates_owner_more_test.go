package keyfactor

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestUpdateOwnersValidatesEverythingFirst(t *testing.T) {
	c, m := newTestClient(t)
	_, err := c.Certificates.UpdateOwners(context.Background(), []int{1, 0, -3}, UpdateOwnerRequest{NewRoleName: Ptr(" ")}, BulkOptions{})
	assertValidation(t, err, "Certificates.UpdateOwners", []string{"ids[1]", "ids[2]", "NewRoleName"}, "got -3")
	if m.GetTotalCallCount() != 0 {
		t.Error("a request was sent")
	}
}

func TestUpdateOwnersBoundsConcurrencyAndReportsEach(t *testing.T) {
	const n, limit = 60, 4
	c, m := newTestClient(t)
	var inflight, peak atomic.Int32
	// The first requests wait until limit are in flight at once: the bound
	// is reached, never passed. (A client that sent one at a time would
	// hang here, and fail the test at its deadline.)
	full := make(chan struct{})
	var fullOnce sync.Once
	m.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		now := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		if now == limit {
			fullOnce.Do(func() { close(full) })
		}
		<-full
		id, _ := strconv.Atoi(strings.Split(req.URL.Path, "/")[3])
		if id%10 == 0 {
			return httpmock.NewStringResponse(404, `{"ErrorCode":"0xA0110005","Message":"Unable to locate Certificate with Id `+
				strconv.Itoa(id)+`"}`), nil
		}
		return httpmock.NewStringResponse(204, ""), nil
	})
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	calls, lastDone := 0, 0 // plain ints: -race proves Progress calls are serialized
	results, err := c.Certificates.UpdateOwners(context.Background(), ids, UpdateOwnerRequest{NewRoleID: Ptr(3)},
		BulkOptions{Concurrency: limit, Progress: func(done, total int, r OwnerResult) {
			calls++
			if done != lastDone+1 || total != n {
				t.Errorf("progress %d/%d after %d", done, total, lastDone)
			}
			lastDone = done
		}})
	if err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != limit {
		t.Errorf("peak in flight = %d, want %d", p, limit)
	}
	if len(results) != n || calls != n {
		t.Fatalf("%d results, %d progress calls", len(results), calls)
	}
	for i, r := range results {
		if r.CertificateID != ids[i] {
			t.Fatalf("results[%d] is certificate %d", i, r.CertificateID)
		}
		if wantFail := ids[i]%10 == 0; wantFail != errors.Is(r.Err, ErrNotFound) || !wantFail && r.Err != nil {
			t.Errorf("certificate %d: %v", r.CertificateID, r.Err)
		}
	}
}

func TestUpdateOwnersStopsWhenTheContextEnds(t *testing.T) {
	const limit = 3
	c, m := newTestClient(t)
	m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ids := make([]int, 1000)
	for i := range ids {
		ids[i] = i + 1
	}
	results, err := c.Certificates.UpdateOwners(ctx, ids, UpdateOwnerRequest{NewRoleID: Ptr(3)},
		BulkOptions{Concurrency: limit, Progress: func(done, _ int, _ OwnerResult) {
			if done == 10 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	sent := m.GetTotalCallCount()
	if sent > 10+limit || len(results) > 10+limit || len(results) < 10 {
		t.Errorf("after cancel at 10: %d sent, %d results", sent, len(results))
	}
	ok := 0
	for i, r := range results {
		if r.CertificateID != i+1 {
			t.Errorf("results[%d] is certificate %d: the attempted ones are not results[:len]", i, r.CertificateID)
		}
		if r.Err == nil {
			ok++
		}
	}
	if ok < 10 {
		t.Errorf("only %d successes reported", ok)
	}
}
