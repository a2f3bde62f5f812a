package keyfactor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// deliveryServer answers a certificate's addition to a store the way
// Command does (the job's id), and the two reads the SDK makes before it:
// the scheduled jobs and recent job history, both empty.
func deliveryServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.Method == http.MethodPost {
			_, _ = io.WriteString(w, `["5c4e0000-0000-4000-8000-000000000001"]`)
			return
		}
		_, _ = io.WriteString(w, `[]`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

const benchStore = "7e3f0c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6"

// BenchmarkAddCertificate: Stores.AddCertificate of one certificate to one
// store. Before its POST the SDK reads the scheduled jobs and five minutes
// of job history (two GETs), so that after a lost answer it can tell the
// job it scheduled from older ones instead of sending the POST again.
func BenchmarkAddCertificate(b *testing.B) {
	srv := deliveryServer(b)
	c := benchClient(b, srv)
	ctx := context.Background()
	req := keyfactor.AddCertificateRequest{CertificateID: 4417, Stores: []keyfactor.StoreTarget{{StoreID: benchStore, Alias: "site"}}}
	b.ReportAllocs()
	for b.Loop() {
		if jobs, err := c.Stores.AddCertificate(ctx, req); err != nil || len(jobs) != 1 {
			b.Fatal(jobs, err)
		}
	}
}

// BenchmarkAddCertificateBaseline: the same POST with net/http, and no
// way to find its job after a lost answer.
func BenchmarkAddCertificateBaseline(b *testing.B) {
	srv := deliveryServer(b)
	hc := &http.Client{Transport: benchTransport(srv), Timeout: keyfactor.DefaultTimeout}
	url := srv.URL + "/KeyfactorAPI/CertificateStores/Certificates/Add"
	body := []byte(`{"CertificateId":4417,"CertificateStores":[{"CertificateStoreId":"` + benchStore +
		`","Alias":"site","Overwrite":false,"IncludePrivateKey":false}],"Schedule":{"Immediate":true}}`)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		baselineHeaders(req.Header, "1.0", true)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		err = json.NewDecoder(resp.Body).Decode(&ids)
		resp.Body.Close()
		if err != nil || len(ids) != 1 || !strings.HasPrefix(ids[0], "5c4e") {
			b.Fatal(ids, err)
		}
	}
}
