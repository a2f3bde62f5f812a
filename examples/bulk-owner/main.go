// Command bulk-owner gives many certificates the same owner role, with
// bounded concurrency, a progress line on stderr and a summary of failures.
//
// By default it runs against the embedded fake Keyfactor Command, seeded with
// -n certificates of which every 50th does not exist (to show failures):
//
//	go run ./examples/bulk-owner -n 2000 -concurrency 16
//
// With -live it uses the server and credentials from the KEYFACTOR_*
// variables and reads certificate ids, one per line, from standard input:
//
//	go run ./examples/bulk-owner -live -role "PKI Operators" < ids.txt
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bulk-owner:", err)
	}
	os.Exit(code)
}

// run returns the exit code: 0 when every certificate was updated, 1 when
// some failed, 2 for bad usage or setup.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("bulk-owner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "number of certificates to seed in the fake server")
	concurrency := fs.Int("concurrency", 16, "requests in flight at once")
	roleName := fs.String("role", "Certificate Owners", "name of the owner role")
	collection := fs.Int("collection", 0, "optional collection id whose permissions authorize the change")
	live := fs.Bool("live", false, "use the KEYFACTOR_* server and read certificate ids from stdin")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}

	var client *keyfactor.Client
	var ids []int
	var err error
	if *live {
		client, err = keyfactor.NewClientFromEnv()
		if err == nil {
			ids, err = readIDs(stdin)
		}
	} else {
		var srv *keyfactortest.Server
		srv, client, ids, err = seedFake(*n, *roleName)
		if srv != nil {
			defer srv.Close()
		}
	}
	if err != nil {
		return 2, err
	}

	req := keyfactor.UpdateOwnerRequest{NewRoleName: keyfactor.Ptr(*roleName), CollectionID: *collection}
	updated, failures := 0, 0
	results, err := client.Certificates.UpdateOwners(ctx, ids, req, keyfactor.BulkOptions{
		Concurrency: *concurrency,
		// Progress calls are serialized, so the counters need no lock.
		Progress: func(done, total int, r keyfactor.OwnerResult) {
			if r.Err == nil {
				updated++
			} else {
				failures++
			}
			if done%100 == 0 || done == total {
				fmt.Fprintf(stderr, "\r%d/%d done: %d updated, %d failed", done, total, updated, failures)
			}
		},
	})
	fmt.Fprintln(stderr)
	var failed []keyfactor.OwnerResult
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	fmt.Fprintf(stdout, "%d certificates: %d updated, %d failed, %d not attempted\n",
		len(ids), len(results)-len(failed), len(failed), len(ids)-len(results))
	for _, r := range failed {
		fmt.Fprintf(stdout, "  certificate %d: %s\n", r.CertificateID, reason(r.Err))
	}
	switch {
	case err != nil:
		return 1, err
	case len(failed) > 0:
		return 1, nil
	}
	return 0, nil
}

// reason is the short text of a failure: Keyfactor's message when there is one.
func reason(err error) string {
	var apiErr *keyfactor.APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return fmt.Sprintf("%d %s", apiErr.StatusCode, apiErr.Message)
	}
	return err.Error()
}

// seedFake starts the fake server with the owner role and n certificate ids,
// every 50th of which is missing on the server.
func seedFake(n int, roleName string) (*keyfactortest.Server, *keyfactor.Client, []int, error) {
	if n <= 0 {
		return nil, nil, nil, fmt.Errorf("-n must be positive")
	}
	srv := keyfactortest.NewServer()
	srv.AddRole(keyfactortest.Role{Name: roleName, Description: "owns certificates"})
	ids := make([]int, n)
	for i := range ids {
		ids[i] = 1000 + i
		if (i+1)%50 != 0 {
			srv.AddCertificate(keyfactortest.Certificate{ID: ids[i]})
		}
	}
	client, err := keyfactor.NewClient(keyfactor.Config{
		BaseURL:           srv.URL,
		AllowInsecureHTTP: true,
		Auth:              keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword},
	})
	if err != nil {
		srv.Close()
		return nil, nil, nil, err
	}
	return srv, client, ids, nil
}

func readIDs(r io.Reader) ([]int, error) {
	var ids []int
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		id, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("stdin line %d: %q is not a certificate id", line, s)
		}
		ids = append(ids, id)
	}
	return ids, sc.Err()
}
