package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// dryRun records the first request a command builds; the SDK stops there
// (Config.DryRun), before retries, lookups or any log line.
type dryRun struct {
	method, url string
	header      http.Header
	body        []byte
	seen        int
}

func (d *dryRun) record(req *http.Request) {
	d.seen++
	if d.seen > 1 {
		return
	}
	d.method, d.url, d.header = req.Method, req.URL.String(), req.Header.Clone()
	if req.Body != nil {
		d.body, _ = io.ReadAll(req.Body)
	}
}

// print writes the recorded request as HTTP text. followUps, for commands
// whose next request depends on the first one's answer (which a dry run
// does not have), says what comes next.
func (d *dryRun) print(w io.Writer, followUps string) {
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
	if followUps != "" {
		fmt.Fprintf(w, "\n(dry run: only the first request is shown; %s)\n", followUps)
	}
}
