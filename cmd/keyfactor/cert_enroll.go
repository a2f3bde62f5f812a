package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"iter"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

// Issuing and fetching certificates: cert enroll, download and recover.

// enrollOut is what cert enroll, download and recover print: never a key.
type enrollOut struct {
	Status        keyfactor.EnrollmentStatus `json:"Status,omitempty"`
	CertificateID int                        `json:"CertificateId,omitempty"`
	RequestID     int                        `json:"RequestId,omitempty"`
	Subject       string                     `json:"Subject,omitempty"`
	SerialNumber  string                     `json:"SerialNumber,omitempty"`
	NotAfter      string                     `json:"NotAfter,omitempty"`
	Recovered     bool                       `json:"Recovered,omitempty"`
	Message       string                     `json:"Message,omitempty"`
	// Files are what --out-dir received, by role: cert, chain,
	// fullchain, key.
	Files map[string]string `json:"Files,omitempty"`
	// Certificates is the chain as PEM, leaf first, when no --out-dir
	// was given (download).
	Certificates string `json:"Certificates,omitempty"`
}

func certEnroll(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	csrFile := fs.String("csr", "", "PKCS#10 request to enroll, PEM or DER; - for standard input (the key stays with you)")
	subject := fs.String("subject", "", `distinguished name of a certificate whose key Command makes (PFX), "CN=web01.example.com,O=Example"`)
	sans := fs.StringArray("san", nil, "subject alternative name: a DNS name, an IP address, an email address or a URI (repeat for more)")
	template := fs.String("template", "", "the template's short name (see template list)")
	pattern := fs.Int("pattern", 0, "the enrollment pattern's id (Command 25.1+), instead of --template")
	ca := fs.String("ca", "", `the CA, "host\logical" (see ca list); optional with --pattern`)
	keyType := fs.String("key-type", "", "with --subject: RSA or ECC (default: the template's)")
	keyLength := fs.Int("key-length", 0, "with --subject: RSA bits (2048+) or ECC length (256, 384, 521)")
	curve := fs.String("curve", "", "with --subject: P-256, P-384 or P-521")
	meta := fs.StringArray("metadata", nil, "metadata field, NAME=VALUE (repeat for more)")
	ownerName := fs.String("owner-role", "", "the certificate's owner role, by name")
	outDir := fs.String("out-dir", "", "write cert.pem, chain.pem, fullchain.pem (and key.pem, mode 0600, with --subject) here")
	wait := fs.Bool("wait", false, "when approval is required, wait (within --timeout) until the request is approved or denied")
	return func(ctx context.Context, args []string) error {
		switch {
		case (*csrFile == "") == (*subject == ""):
			return usagef("give --csr FILE or --subject DN (one of them)")
		case *csrFile != "" && (*keyType != "" || *keyLength != 0 || *curve != ""):
			return usagef("--key-type, --key-length and --curve go with --subject: a CSR carries its key")
		case *subject != "" && *outDir == "":
			// Command makes the key; printed nowhere, without a file it
			// would be lost (or left to cert recover).
			return usagef("--out-dir is required with --subject: the key Command makes is written to key.pem (mode 0600), never to the terminal")
		}
		metadata, err := keyValues("--metadata", *meta)
		if err != nil {
			return err
		}
		policy := keyfactor.EnrollmentPolicy{Template: *template, EnrollmentPatternID: *pattern, CertificateAuthority: *ca}
		var owner *string
		if fs.Changed("owner-role") {
			owner = ownerName
		}
		c := a.kf
		var e *keyfactor.Enrollment
		if *csrFile != "" {
			csr, rerr := a.readInput(ctx, "--csr", *csrFile, maxRequestFile)
			if rerr != nil {
				return rerr
			}
			e, err = c.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{CSR: csr, EnrollmentPolicy: policy, SANs: sanKinds(*sans),
				Metadata: metadata, OwnerRoleName: owner, IncludeChain: true})
		} else {
			e, err = c.Enrollment.PFX(ctx, keyfactor.EnrollPFXRequest{Subject: *subject, EnrollmentPolicy: policy, SANs: sanKinds(*sans),
				Metadata: metadata, OwnerRoleName: owner, KeyType: *keyType, KeyLength: *keyLength, Curve: *curve, IncludeChain: true})
		}
		if err == nil && *wait && e.Status == keyfactor.EnrollmentPending {
			e, err = c.Enrollment.Wait(ctx, e)
		}
		if err != nil {
			return err
		}
		out := enrollOut{Status: e.Status, CertificateID: e.CertificateID, RequestID: e.RequestID, Recovered: e.Recovered, Message: e.Message}
		if e.Bundle != nil {
			out.Subject, out.SerialNumber = e.Bundle.Leaf.Subject.String(), e.SerialNumber
			out.NotAfter = e.Bundle.Leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z")
			if *outDir != "" {
				if out.Files, err = writeBundle(*outDir, e.Bundle); err != nil {
					return err
				}
			}
		}
		return a.print(out, func(w io.Writer) { printEnrollment(w, out) })
	}
}

func printEnrollment(w io.Writer, out enrollOut) {
	switch {
	case out.Status == keyfactor.EnrollmentPending:
		fmt.Fprintf(w, "request %d is pending approval (keyfactor cert enroll --wait waits; %s)\n", out.RequestID, out.Message)
		return
	case out.CertificateID != 0:
		fmt.Fprintf(w, "certificate %d %s, valid until %s\n", out.CertificateID, cmp.Or(out.Subject, "(no subject)"), out.NotAfter)
	}
	if out.Recovered {
		fmt.Fprintln(w, "  (the answer was lost; the certificate was found on the server, nothing was sent twice)")
	}
	for _, role := range []string{"cert", "chain", "fullchain", "key"} {
		if f, ok := out.Files[role]; ok {
			fmt.Fprintf(w, "  %s: %s\n", role, f)
		}
	}
}

// sanKinds sorts --san values by kind: an IP address, an email address,
// a URI (with a scheme), else a DNS name. The SDK checks each.
func sanKinds(values []string) keyfactor.SANs {
	var s keyfactor.SANs
	for _, v := range values {
		switch {
		case net.ParseIP(v) != nil:
			s.IP = append(s.IP, v)
		case strings.Contains(v, "@") && !strings.Contains(v, "://"):
			s.Email = append(s.Email, v)
		case strings.Contains(v, "://"):
			if u, err := url.Parse(v); err == nil && u.Scheme != "" {
				s.URI = append(s.URI, v)
				continue
			}
			s.DNS = append(s.DNS, v)
		default:
			s.DNS = append(s.DNS, v)
		}
	}
	return s
}

// keyValues reads NAME=VALUE flags.
func keyValues(flag string, pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usagef("%s %q is not NAME=VALUE", flag, p)
		}
		m[k] = v
	}
	return m, nil
}

// writeBundle writes a bundle's files into dir: cert.pem (the leaf),
// chain.pem (its issuers), fullchain.pem (both, what most servers load)
// and, when the bundle holds one, key.pem with mode 0600. Each is written
// to a temporary file first and renamed, so a reader never sees half a
// file, and a key file is never readable by others, even for a moment.
func writeBundle(dir string, b *keyfactor.CertificateBundle) (map[string]string, error) {
	full, key, err := b.PEM()
	if err != nil {
		return nil, err
	}
	leaf, _, _ := (&keyfactor.CertificateBundle{Leaf: b.Leaf}).PEM()
	files := map[string][]byte{"cert": leaf, "fullchain": full, "chain": full[len(leaf):]}
	if key != nil {
		files["key"] = key
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &usageError{err.Error()}
	}
	out := map[string]string{}
	for _, role := range []string{"cert", "chain", "fullchain", "key"} {
		data, ok := files[role]
		if !ok {
			continue
		}
		mode := os.FileMode(0o644)
		if role == "key" {
			mode = 0o600
		}
		path := filepath.Join(dir, role+".pem")
		if err := writeFileAtomic(path, data, mode); err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
		out[role] = path
	}
	return out, nil
}

// writeFileAtomic writes data to path with mode, through a temporary file
// in the same directory (created 0600) renamed into place.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, there is nothing left to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func certDownload(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	chain := fs.Bool("chain", true, "include the issuers")
	outDir := fs.String("out-dir", "", "write cert.pem, chain.pem and fullchain.pem here instead of printing them")
	collection := fs.String("collection-id", "", "read through this collection's permissions: its id or its name")
	return func(ctx context.Context, args []string) error {
		id, col, err := certTarget(ctx, a.kf, args[0], *collection)
		if err != nil {
			return err
		}
		b, err := a.kf.Certificates.Download(ctx, id, keyfactor.DownloadOptions{IncludeChain: *chain,
			Scope: keyfactor.OwnerScope{CollectionID: col}})
		if err != nil {
			return err
		}
		return a.printBundle(id, b, *outDir)
	}
}

func certRecover(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	chain := fs.Bool("chain", true, "include the issuers")
	outDir := fs.String("out-dir", "", "required: where cert.pem, chain.pem, fullchain.pem and key.pem (mode 0600) go")
	collection := fs.String("collection-id", "", "read through this collection's permissions: its id or its name")
	return func(ctx context.Context, args []string) error {
		if *outDir == "" {
			return usagef("--out-dir is required: a private key is written to a file of mode 0600, never to the terminal")
		}
		id, col, err := certTarget(ctx, a.kf, args[0], *collection)
		if err != nil {
			return err
		}
		c := a.kf
		b, err := c.Certificates.Recover(ctx, id, keyfactor.RecoverOptions{IncludeChain: *chain,
			Scope: keyfactor.OwnerScope{CollectionID: col}})
		if err != nil {
			return err
		}
		return a.printBundle(id, b, *outDir)
	}
}

// printBundle writes a fetched bundle into outDir, or prints its chain.
func (a *app) printBundle(id int, b *keyfactor.CertificateBundle, outDir string) error {
	out := enrollOut{CertificateID: id, Subject: b.Leaf.Subject.String(), SerialNumber: strings.ToUpper(b.Leaf.SerialNumber.Text(16)),
		NotAfter: b.Leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z")}
	if outDir != "" {
		files, err := writeBundle(outDir, b)
		if err != nil {
			return err
		}
		out.Files = files
		return a.print(out, func(w io.Writer) { printEnrollment(w, out) })
	}
	certs, _, err := (&keyfactor.CertificateBundle{Leaf: b.Leaf, Chain: b.Chain}).PEM()
	if err != nil {
		return err
	}
	out.Certificates = string(certs)
	return a.print(out, func(w io.Writer) { _, _ = w.Write(certs) })
}

// templateList and templateGet read certificate templates.
func templateList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "template", `Keyfactor query, e.g. 'CommonName -eq "WebServer"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Template, error] {
			return c.Templates.List(ctx, keyfactor.ListTemplatesOptions{Query: query, PageSize: pageSize})
		},
		"ID\tSHORT NAME\tDISPLAY NAME\tKEY\tAPPROVAL", func(t keyfactor.Template) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%v", t.ID, t.CommonName, t.DisplayName, templateKey(t), t.RequiresApproval)
		})
}

func templateGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "template",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.Template, error) {
			return c.Templates.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.Template, error) {
			return c.Templates.GetByName(ctx, name)
		},
		func(w io.Writer, t *keyfactor.Template) {
			fmt.Fprintf(w, "template %d %s (%q)\n  key: %s\n  requires approval: %v\n", t.ID, t.CommonName, t.DisplayName,
				templateKey(*t), t.RequiresApproval)
		})
}

// templateKey is a template's key type and size as text: "RSA 2048",
// "ECC" when it sets no size, "any" when it sets neither.
func templateKey(t keyfactor.Template) string {
	switch {
	case t.KeySize == 0:
		return cmp.Or(t.KeyType, "any")
	case t.KeyType == "":
		return strconv.Itoa(t.KeySize) + " bits"
	}
	return t.KeyType + " " + strconv.Itoa(t.KeySize)
}

func caList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "ca", "Keyfactor query",
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.CertificateAuthority, error] {
			return c.CertificateAuthorities.List(ctx, keyfactor.ListCertificateAuthoritiesOptions{Query: query, PageSize: pageSize})
		},
		"ID\tNAME\tSTANDALONE", func(ca keyfactor.CertificateAuthority) string {
			return strconv.Itoa(ca.ID) + "\t" + ca.Name() + "\t" + strconv.FormatBool(ca.Standalone)
		})
}

// certEnrollCommands are cert enroll, download and recover.
var certEnrollCommands = []command{
	{name: "cert enroll", synopses: []string{
		"--csr FILE (--template NAME | --pattern ID) [--ca HOST\\LOGICAL] [--san NAME]... [--out-dir DIR] [--wait]",
		"--subject DN (--template NAME | --pattern ID) [--key-type RSA|ECC] [--key-length N] [--curve C] [--san NAME]... --out-dir DIR [--wait]"},
		summary: "issue a certificate from a CSR (your key) or as a PFX (Command's key); never sent twice",
		long: `With --csr, the request is enrolled and the key stays with you; with --subject,
Command makes the key and it is written to key.pem (mode 0600) under --out-dir,
which --subject requires.
--out-dir receives cert.pem (the leaf), chain.pem (its issuers) and
fullchain.pem (both, what most servers load). An enrollment that needs a
manager's approval prints its request id and exits 0; with --wait it waits,
within --timeout, for the approval (exit 0) or the denial (exit 5). A lost
answer is never sent again: the certificate is found on the server instead.`,
		setup: certEnroll, args: noArgs("use --csr or --subject"),
		names: map[string]string{"CSR": "--csr", "Subject": "--subject", "Template": "--template", "EnrollmentPatternID": "--pattern",
			"CertificateAuthority": "--ca", "KeyType": "--key-type", "KeyLength": "--key-length", "Curve": "--curve",
			"OwnerRoleName": "--owner-role", "SANs": "--san"}},
	{name: "cert download", synopses: []string{"CERT_ID [--chain=false] [--out-dir DIR] [--collection-id N]"},
		summary: "fetch a certificate and its issuers, without a key: PEM in the JSON, as text, or files in --out-dir",
		setup:   certDownload, args: oneArg("CERT_ID"), names: map[string]string{"id": "CERT_ID"}},
	{name: "cert recover", synopses: []string{"CERT_ID --out-dir DIR [--chain=false] [--collection-id N]"},
		summary: "fetch a certificate with the private key Command holds; the key goes to DIR/key.pem, mode 0600",
		setup:   certRecover, args: oneArg("CERT_ID"), names: map[string]string{"id": "CERT_ID"}},
}

// templateCommands and caCommands read what enrollment names.
var templateCommands = []command{
	{name: "template list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list certificate templates, one JSON line each (a table with --output text)", setup: templateList,
		names: listNames, args: noArgs("use --query")},
	{name: "template get", synopses: []string{"ID", "--name SHORT_NAME"}, summary: "show a template, by id or exact short name",
		setup: templateGet, names: idNames, args: idOrName("template")},
}

var caCommands = []command{
	{name: "ca list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list certificate authorities, as enrollment names them (host\\logical)", setup: caList,
		names: listNames, args: noArgs("use --query")},
}
