package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// errDryRun stops the SDK's request at the transport in a dry run.
var errDryRun = errors.New("dry run: request not sent")

// dryRun is a transport that records the first request and sends nothing.
type dryRun struct {
	method, url string
	header      http.Header
	body        []byte
	seen        int
}

func (d *dryRun) RoundTrip(req *http.Request) (*http.Response, error) {
	d.seen++
	if d.seen == 1 {
		d.method, d.url, d.header = req.Method, req.URL.String(), req.Header.Clone()
		if req.Body != nil {
			d.body, _ = io.ReadAll(req.Body)
			req.Body.Close()
		}
	}
	return nil, errDryRun
}

// print writes the recorded request as HTTP text.
func (d *dryRun) print(w io.Writer) {
	fmt.Fprintf(w, "%s %s\n", d.method, d.url)
	keys := make([]string, 0, len(d.header))
	for k := range d.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\n", k, strings.Join(d.header[k], ", "))
	}
	if len(d.body) > 0 {
		fmt.Fprintf(w, "\n%s\n", d.body)
	}
	if d.method == http.MethodGet && strings.Contains(d.url, "/Security/Roles/") {
		fmt.Fprintln(w, "\n(dry run: only the first request is shown; what follows depends on its answer)")
	}
}

// redactedAuth stands in for the real credentials in a dry run, so that no
// token is fetched and no secret is printed.
type redactedAuth struct{ scheme string }

func (r redactedAuth) Authenticate(req *http.Request) error {
	req.Header.Set("Authorization", r.scheme+" [REDACTED]")
	return nil
}

func authScheme(a keyfactor.Authenticator) string {
	switch a.(type) {
	case keyfactor.BasicAuth, *keyfactor.BasicAuth:
		return "Basic"
	}
	return "Bearer"
}
