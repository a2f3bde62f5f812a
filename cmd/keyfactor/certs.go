package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// Certificate reads, and owner changes by query.

func certGet(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	collection := fs.Int("collection-id", 0, "read through this collection's permissions")
	metadata := fs.Bool("metadata", false, "include the certificate's metadata")
	return func(ctx context.Context, args []string) error {
		if len(args) != 1 {
			return usagef("expected one CERT_ID argument, got %d", len(args))
		}
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		cert, err := c.Certificates.Get(ctx, id, keyfactor.GetCertificateOptions{CollectionID: *collection, IncludeMetadata: *metadata})
		if err != nil {
			return err
		}
		return a.print(cert, func(w io.Writer) {
			fmt.Fprintf(w, "certificate %d %s\n  issued to: %s\n  issuer: %s\n  valid: %s to %s\n  state: %s\n  owner: %s\n",
				cert.ID, cert.Thumbprint, cert.IssuedDN, cert.IssuerDN, cert.NotBefore.Format("2006-01-02"),
				cert.NotAfter.Format("2006-01-02"), cert.CertStateString, ownerText(cert))
		})
	}
}

func ownerText(c *keyfactor.Certificate) string {
	if c.OwnerRoleID == nil {
		return "(none)"
	}
	return fmt.Sprintf("%s (role %d)", c.OwnerRoleName, *c.OwnerRoleID)
}

func certList(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	a.followUps = "further pages are read while pages come back full"
	query := fs.String("query", "", `Keyfactor query, e.g. 'IssuedCN -contains "web"'`)
	collection := fs.Int("collection-id", 0, "certificates of this collection, with its permissions")
	revoked := fs.Bool("include-revoked", false, "include revoked certificates")
	expired := fs.Bool("include-expired", false, "include expired certificates")
	pageSize := fs.Int("page-size", 0, "certificates per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		if len(args) != 0 {
			return usagef("cert list takes no arguments; use --query")
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		opts := keyfactor.ListCertificatesOptions{Query: *query, CollectionID: *collection, IncludeRevoked: *revoked,
			IncludeExpired: *expired, PageSize: *pageSize}
		return stream(a, c.Certificates.List(ctx, opts), "ID\tISSUED CN\tNOT AFTER\tSTATE\tOWNER", func(cert keyfactor.Certificate) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", cert.ID, cert.IssuedCN, cert.NotAfter.Format("2006-01-02"),
				cert.CertStateString, ownerText(&cert))
		})
	}
}

// ownerSummary is what owner set --query prints when it is done.
type ownerSummary struct {
	Matched      int            `json:"Matched"`
	Changed      int            `json:"Changed"`
	AlreadyOwned int            `json:"AlreadyOwned"`
	DoneEarlier  int            `json:"DoneEarlier"`
	NotAttempted int            `json:"NotAttempted"`
	Failed       []ownerFailure `json:"Failed"`
}

type ownerFailure struct {
	CertificateID int    `json:"CertificateId"`
	Error         string `json:"Error"`
}

// ownerPlanOut is what owner set --query --plan prints.
type ownerPlanOut struct {
	Matched      int   `json:"Matched"`
	WouldChange  []int `json:"WouldChange"`
	AlreadyOwned int   `json:"AlreadyOwned"`
	DoneEarlier  int   `json:"DoneEarlier"`
}

// ownerByQuery changes the owner of every certificate the query matches:
// snapshot the ids (PlanOwners), skip those already owned or finished in an
// earlier run (--state), update the rest with bounded concurrency, record
// each success in the state file as it lands, and summarize.
func (a *app) ownerByQuery(ctx context.Context, opts keyfactor.ListCertificatesOptions, req keyfactor.UpdateOwnerRequest,
	plan bool, statePath string, concurrency int) error {
	done, err := readState(statePath)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	p, err := c.Certificates.PlanOwners(ctx, opts, req)
	if err != nil {
		return err
	}
	var todo []int
	earlier := 0
	for _, id := range p.Change {
		if done[id] {
			earlier++
		} else {
			todo = append(todo, id)
		}
	}
	matched := len(p.Change) + len(p.AlreadyOwned)
	if plan {
		out := ownerPlanOut{Matched: matched, WouldChange: nonNilInts(todo), AlreadyOwned: len(p.AlreadyOwned), DoneEarlier: earlier}
		if err := a.print(out, func(w io.Writer) {
			fmt.Fprintf(w, "%d certificates match: %d would change, %d already have that owner, %d done in an earlier run\n",
				matched, len(todo), len(p.AlreadyOwned), earlier)
			for _, id := range todo {
				fmt.Fprintf(w, "  ~ certificate %d\n", id)
			}
		}); err != nil {
			return err
		}
		if len(todo) > 0 {
			return errChangesPending
		}
		return nil
	}

	var state *os.File
	if statePath != "" {
		if state, err = os.OpenFile(statePath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err != nil {
			return &usageError{err.Error()}
		}
		defer state.Close()
	}
	progress := a.progress(len(todo))
	results, runErr := c.Certificates.UpdateOwners(ctx, todo, req, keyfactor.BulkOptions{Concurrency: concurrency,
		Progress: func(n, total int, r keyfactor.OwnerResult) {
			if r.Err == nil && state != nil {
				// One write per success, unbuffered: what the kernel has
				// survives the process being killed.
				_, _ = state.WriteString(strconv.Itoa(r.CertificateID) + "\n")
			}
			progress(r.Err)
		}})
	sum := ownerSummary{Matched: matched, AlreadyOwned: len(p.AlreadyOwned), DoneEarlier: earlier,
		NotAttempted: len(todo) - len(results), Failed: []ownerFailure{}}
	var firstErr error
	for _, r := range results {
		if r.Err == nil {
			sum.Changed++
			continue
		}
		sum.Failed = append(sum.Failed, ownerFailure{CertificateID: r.CertificateID, Error: reason(r.Err)})
		if firstErr == nil {
			firstErr = r.Err
		}
	}
	if err := a.print(sum, func(w io.Writer) {
		fmt.Fprintf(w, "%d certificates match: %d changed, %d already had that owner, %d done in an earlier run, %d failed, %d not attempted\n",
			sum.Matched, sum.Changed, sum.AlreadyOwned, sum.DoneEarlier, len(sum.Failed), sum.NotAttempted)
		for _, f := range sum.Failed {
			fmt.Fprintf(w, "  ! certificate %d: %s\n", f.CertificateID, f.Error)
		}
	}); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return runErr
	case firstErr != nil:
		return fmt.Errorf("%d of %d certificates failed; first: %w", len(sum.Failed), len(todo), firstErr)
	}
	return nil
}

func nonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// reason is the short text of one certificate's failure.
func reason(err error) string {
	var apiErr *keyfactor.APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return fmt.Sprintf("%d %s", apiErr.StatusCode, apiErr.Message)
	}
	return oneLine(err.Error())
}

// readState reads the ids an earlier run finished, one per line. Only
// lines ending in a newline count: a kill in the middle of a write can
// leave a last line cut short ("12" of "1234"), which must not mark
// another certificate done. Anything else that is not an id is an error.
func readState(path string) (map[int]bool, error) {
	done := map[int]bool{}
	if path == "" {
		return done, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	}
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines[:len(lines)-1] { // the last piece has no newline
		id, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil || id <= 0 {
			return nil, usagef("--state %s: line %d is not a certificate id: %q", path, i+1, line)
		}
		done[id] = true
	}
	return done, nil
}

// progress returns a function to call per certificate: a progress line on
// stderr when stderr is a terminal, nothing otherwise (logs and pipes stay
// clean).
func (a *app) progress(total int) func(error) {
	if !a.terminal || total == 0 {
		return func(error) {}
	}
	changed, failed := 0, 0
	return func(err error) {
		if err == nil {
			changed++
		} else {
			failed++
		}
		fmt.Fprintf(a.stderr, "\r%d/%d: %d changed, %d failed", changed+failed, total, changed, failed)
		if changed+failed == total {
			fmt.Fprintln(a.stderr)
		}
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
