// Command quickstart walks through keyfactor-go.
//
// With no server configured (no KEYFACTOR_HOSTNAME, no host in
// ~/.keyfactor/command_config.json) it starts the embedded fake Keyfactor Command
// (package keyfactortest) and creates a role, clones it, makes it a
// certificate's owner, clears the owner, and shows a rejected invalid request
// and an API error.
//
// With a server configured it runs against that server with the
// credentials from the KEYFACTOR_* variables or the file (see the README), and does only
// what changes nothing: it reads a role when KEYFACTOR_QUICKSTART_ROLE_ID
// names one, shows a request refused before sending, and asks for a role id
// that cannot exist to show an API error.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	cfg, err := keyfactor.ConfigFromEnv()
	switch {
	case errors.Is(err, keyfactor.ErrNotConfigured):
		return runFake(ctx, out)
	case err != nil:
		return err
	}
	return runLive(ctx, out, cfg, getenv)
}

// runFake demonstrates every call against the embedded fake server.
func runFake(ctx context.Context, out io.Writer) error {
	srv := keyfactortest.NewServer()
	defer srv.Close()
	srv.AddCertificate(keyfactortest.Certificate{ID: 1001, CollectionIDs: []int{5}})
	fmt.Fprintln(out, "No Keyfactor Command is configured: using the embedded fake Keyfactor Command (keyfactortest).")

	client, err := keyfactor.NewClient(keyfactor.Config{
		BaseURL:           srv.URL,
		AllowInsecureHTTP: true, // the fake serves plain http on 127.0.0.1
		Auth:              keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword},
		UserAgent:         "keyfactor-go-quickstart",
	})
	if err != nil {
		return err
	}

	step(out, 1, "create a v2 security role with an OAuth and an Active Directory claim")
	role, err := client.Roles.Create(ctx, keyfactor.CreateRoleRequest{
		Name:         "PKI Operators",
		Description:  "Operators of the issuing CAs",
		EmailAddress: "pki-ops@example.com",
		Permissions:  []string{"/portal/read/", keyfactor.CollectionPermission("change_owner", 5)},
		Claims: []keyfactor.Claim{
			{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-operators", ProviderAuthenticationScheme: "Keycloak"},
			{ClaimType: keyfactor.ClaimGroup, ClaimValue: `EXAMPLE\PKI Operators`, ProviderAuthenticationScheme: "Active Directory"},
		},
	})
	if err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	fmt.Fprintf(out, "   created role %d %q with %d permissions and %d claims\n", role.ID, role.Name, len(role.Permissions), len(role.Claims))

	step(out, 2, "clone it (GET the role, then POST a new one: Keyfactor's replacement for the deprecated copy)")
	clone, err := client.Roles.Clone(ctx, role.ID, keyfactor.CloneRoleRequest{Name: "PKI Operators (EU)"})
	if err != nil {
		return fmt.Errorf("clone role: %w", err)
	}
	fmt.Fprintf(out, "   cloned into role %d %q (description %q)\n", clone.ID, clone.Name, clone.Description)

	step(out, 3, "make the clone the owner of certificate 1001, authorized through collection 5")
	if err := client.Certificates.UpdateOwner(ctx, 1001, keyfactor.UpdateOwnerRequest{
		NewRoleID: keyfactor.Ptr(clone.ID), CollectionID: 5,
	}); err != nil {
		return fmt.Errorf("update owner: %w", err)
	}
	owner, _ := srv.Owner(1001)
	fmt.Fprintf(out, "   certificate 1001 is now owned by role %d\n", owner)

	step(out, 4, "clear the owner")
	if err := client.Certificates.ClearOwner(ctx, 1001, keyfactor.OwnerScope{CollectionID: 5}); err != nil {
		return fmt.Errorf("clear owner: %w", err)
	}
	_, has := srv.Owner(1001)
	fmt.Fprintf(out, "   certificate 1001 has an owner: %v\n", has)

	if err := showValidation(ctx, out, client, 5); err != nil {
		return err
	}
	return showAPIError(ctx, out, client, 6, 999)
}

// runLive runs the read-only steps against a real server.
func runLive(ctx context.Context, out io.Writer, cfg keyfactor.Config, getenv func(string) string) error {
	client, err := keyfactor.NewClient(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Using the Keyfactor Command at %s: read-only steps only (no role is created, no owner changed).\n",
		client.BaseURL())
	n := 1
	if v := getenv("KEYFACTOR_QUICKSTART_ROLE_ID"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("KEYFACTOR_QUICKSTART_ROLE_ID: %q is not a number", v)
		}
		step(out, n, fmt.Sprintf("read role %d", id))
		role, err := client.Roles.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("get role: %w", err)
		}
		fmt.Fprintf(out, "   role %d %q: %d permissions, %d claims\n", role.ID, role.Name, len(role.Permissions), len(role.Claims))
		n++
	}
	if err := showValidation(ctx, out, client, n); err != nil {
		return err
	}
	return showAPIError(ctx, out, client, n+1, 2147483647)
}

func showValidation(ctx context.Context, out io.Writer, client *keyfactor.Client, n int) error {
	step(out, n, "an invalid request is refused before anything is sent")
	err := client.Certificates.UpdateOwner(ctx, 0, keyfactor.UpdateOwnerRequest{NewRoleName: keyfactor.Ptr(" ")})
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("expected a validation error, got %v", err)
	}
	for _, f := range ve.Fields {
		fmt.Fprintf(out, "   %s: %s\n", f.Field, f.Problem)
	}
	return nil
}

func showAPIError(ctx context.Context, out io.Writer, client *keyfactor.Client, n, id int) error {
	step(out, n, fmt.Sprintf("the server's answer to an unknown role id (%d) is a typed *APIError", id))
	_, err := client.Roles.Get(ctx, id)
	var apiErr *keyfactor.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("expected an API error, got %v", err)
	}
	fmt.Fprintf(out, "   status %d, errors.Is(err, keyfactor.ErrNotFound) = %v, ErrorCode %s, Message %q\n",
		apiErr.StatusCode, errors.Is(err, keyfactor.ErrNotFound), apiErr.ErrorCode, apiErr.Message)
	fmt.Fprintln(out, "Done.")
	return nil
}

func step(out io.Writer, n int, what string) {
	fmt.Fprintf(out, "%d. %s\n", n, what)
}
