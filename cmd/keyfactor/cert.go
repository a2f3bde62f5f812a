package main

import (
	"context"
	"fmt"
	"io"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

// Certificate reads.

func certGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	collection := fs.String("collection-id", "", "read through this collection's permissions: its id or its name")
	metadata := fs.Bool("metadata", false, "include the certificate's metadata")
	locations := fs.Bool("locations", false, "include the certificate stores and SSL endpoints holding it")
	return func(ctx context.Context, args []string) error {
		id, col, err := certTarget(ctx, a.kf, args[0], *collection)
		if err != nil {
			return err
		}
		c := a.kf
		cert, err := c.Certificates.Get(ctx, id, keyfactor.GetCertificateOptions{CollectionID: col, IncludeMetadata: *metadata,
			IncludeLocations: *locations})
		if err != nil {
			return err
		}
		return a.print(cert, func(w io.Writer) {
			fmt.Fprintf(w, "certificate %d %s\n  issued to: %s\n  issuer: %s\n  valid: %s to %s\n  state: %s\n  owner: %s\n",
				cert.ID, cert.Thumbprint, cert.IssuedDN, cert.IssuerDN, cert.NotBefore.Format("2006-01-02"),
				cert.NotAfter.Format("2006-01-02"), cert.CertStateString, ownerText(cert))
			for _, l := range cert.Locations {
				fmt.Fprintf(w, "  location: %s %s\n", l.StoreMachine, l.StorePath)
			}
		})
	}
}

func ownerText(c *keyfactor.Certificate) string {
	if c.OwnerRoleID == nil {
		return "(none)"
	}
	return fmt.Sprintf("%s (role %d)", c.OwnerRoleName, *c.OwnerRoleID)
}

func certList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	query := fs.StringP("query", "q", "", `Keyfactor query, e.g. 'IssuedCN -contains "web"'`)
	collection := fs.String("collection-id", "", "certificates of this collection, with its permissions: its id or its name")
	revoked := fs.Bool("include-revoked", false, "include revoked certificates")
	expired := fs.Bool("include-expired", false, "include expired certificates")
	pageSize := fs.Int("page-size", 0, "certificates per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		a.followUps = "further pages are read while pages come back full"
		c := a.kf
		col, err := resolveCollection(ctx, c, *collection)
		if err != nil {
			return err
		}
		opts := keyfactor.ListCertificatesOptions{Query: *query, CollectionID: col, IncludeRevoked: *revoked,
			IncludeExpired: *expired, PageSize: *pageSize}
		return stream(a, c.Certificates.List(ctx, opts), "ID\tISSUED CN\tNOT AFTER\tSTATE\tOWNER", func(cert keyfactor.Certificate) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", cert.ID, cert.IssuedCN, cert.NotAfter.Format("2006-01-02"),
				cert.CertStateString, ownerText(&cert))
		})
	}
}

// certTarget reads a command's CERT_ID and its --collection-id (an id, or a
// name looked up): the certificate, and the collection whose permissions
// reach it.
func certTarget(ctx context.Context, c *keyfactor.Client, arg, collection string) (id, col int, err error) {
	if id, err = intArg("CERT_ID", arg); err != nil {
		return 0, 0, err
	}
	col, err = resolveCollection(ctx, c, collection)
	return id, col, err
}

// resolveCollection reads --collection-id: an id, or a name looked up.
func resolveCollection(ctx context.Context, c *keyfactor.Client, value string) (int, error) {
	id, _, err := (&scope{collection: value}).resolve(ctx, c)
	return id, err
}

// certCommands is the cert commands.
var certCommands = []command{
	{name: "cert get", synopses: []string{"CERT_ID [--collection-id N] [--metadata] [--locations]"},
		summary: "show a certificate and its owner", setup: certGet,
		names: map[string]string{"id": "CERT_ID", "CollectionID": "--collection-id"}, args: oneArg("CERT_ID")},
	{name: "cert list", synopses: []string{"[--query Q] [--collection-id N] [--include-revoked] [--include-expired] [--page-size N]"},
		summary: "list certificates, one JSON line each (a table with --output text)", setup: certList, names: listNames, args: noArgs("use --query")},
}
