package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
	"github.com/spf13/pflag"
)

// After issue: cert revoke, renew, metadata set, history and delete, and
// the metadata fields.

// reasons are --reason's names for the revocation reasons.
var reasons = map[string]keyfactor.RevocationReason{"unspecified": keyfactor.ReasonUnspecified,
	"key-compromise": keyfactor.ReasonKeyCompromise, "ca-compromise": keyfactor.ReasonCACompromise,
	"affiliation-changed": keyfactor.ReasonAffiliationChanged, "superseded": keyfactor.ReasonSuperseded,
	"cessation-of-operation": keyfactor.ReasonCessationOfOperation, "certificate-hold": keyfactor.ReasonCertificateHold,
	"remove-from-hold": keyfactor.ReasonRemoveFromHold}

func parseReason(s string) (keyfactor.RevocationReason, error) {
	if r, ok := reasons[strings.ToLower(s)]; ok {
		return r, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return keyfactor.RevocationReason(n), nil // the SDK refuses a number that is no reason
	}
	return 0, usagef("--reason %q is not a reason: unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, "+
		"cessation-of-operation, certificate-hold or remove-from-hold", s)
}

// confirmed refuses an irreversible command typed at a terminal without
// --yes: a script (stdin not a terminal) is taken to mean it.
func (a *app) confirmed(what string, yes bool) error {
	if a.stdinTerminal && !yes {
		return usagef("%s cannot be undone: add --yes to go ahead", what)
	}
	return nil
}

// revokeOut is what cert revoke prints.
type revokeOut struct {
	Plan           bool                          `json:"Plan,omitempty"`
	Revoked        []int                         `json:"Revoked"`
	AlreadyRevoked []int                         `json:"AlreadyRevoked"`
	Pending        []keyfactor.PendingRevocation `json:"Pending"`
	WouldRevoke    []int                         `json:"WouldRevoke,omitempty"`
}

func certRevoke(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	reason := fs.String("reason", "", "why: unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, "+
		"cessation-of-operation, certificate-hold, remove-from-hold")
	comment := fs.String("comment", "", "required: recorded with the revocation")
	planOnly := fs.Bool("plan", false, "say which certificates would be revoked and which are already; revoke nothing")
	yes := fs.Bool("yes", false, "revoke without asking (needed when standard input is a terminal)")
	collection := fs.String("collection-id", "", "revoke through this collection's permissions: its id or its name")
	return func(ctx context.Context, args []string) error {
		ids := make([]int, len(args))
		for i, s := range args {
			id, err := intArg("CERT_ID", s)
			if err != nil {
				return err
			}
			ids[i] = id
		}
		if *reason == "" {
			return usagef("--reason is required")
		}
		r, err := parseReason(*reason)
		if err != nil {
			return err
		}
		c := a.kf
		if *planOnly {
			return a.revokePlan(ctx, c, ids)
		}
		if err := a.confirmed("revoking", *yes); err != nil {
			return err
		}
		col, err := resolveCollection(ctx, c, *collection)
		if err != nil {
			return err
		}
		res, err := c.Certificates.Revoke(ctx, keyfactor.RevokeRequest{CertificateIDs: ids, Reason: r, Comment: *comment, CollectionID: col})
		if res != nil {
			out := revokeOut{Revoked: nonNil(res.Revoked), AlreadyRevoked: nonNil(res.AlreadyRevoked), Pending: nonNil(res.Pending)}
			if perr := a.print(out, func(w io.Writer) { printRevoke(w, out) }); perr != nil {
				return perr
			}
		}
		return err
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printRevoke(w io.Writer, out revokeOut) {
	for _, id := range out.WouldRevoke {
		fmt.Fprintf(w, "certificate %d: would be revoked\n", id)
	}
	for _, id := range out.Revoked {
		fmt.Fprintf(w, "certificate %d: revoked\n", id)
	}
	for _, id := range out.AlreadyRevoked {
		fmt.Fprintf(w, "certificate %d: already revoked\n", id)
	}
	for _, p := range out.Pending {
		fmt.Fprintf(w, "certificate %d: held by workflow %s (%s)\n", p.CertificateID, p.WorkflowID, p.Message)
	}
}

// revokePlan reads each certificate: exit 8 when one would be revoked.
func (a *app) revokePlan(ctx context.Context, c *keyfactor.Client, ids []int) error {
	out := revokeOut{Plan: true, Revoked: []int{}, AlreadyRevoked: []int{}, Pending: []keyfactor.PendingRevocation{}, WouldRevoke: []int{}}
	for _, id := range ids {
		cert, err := c.Certificates.Get(ctx, id, keyfactor.GetCertificateOptions{})
		if err != nil {
			return err
		}
		if cert.CertState == 2 {
			out.AlreadyRevoked = append(out.AlreadyRevoked, id)
		} else {
			out.WouldRevoke = append(out.WouldRevoke, id)
		}
	}
	if err := a.print(out, func(w io.Writer) { printRevoke(w, out) }); err != nil {
		return err
	}
	if len(out.WouldRevoke) > 0 {
		return errChangesPending
	}
	return nil
}

func certRenew(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	wait := fs.Bool("wait", false, "when the renewal needs approval, wait (within --timeout) for it")
	template := fs.String("template", "", "renew under this template instead of the certificate's own")
	return func(ctx context.Context, args []string) error {
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		c := a.kf
		e, err := c.Certificates.Renew(ctx, keyfactor.RenewRequest{CertificateID: id,
			EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: *template}})
		if err == nil && *wait && e.Status == keyfactor.EnrollmentPending {
			e, err = c.Enrollment.Wait(ctx, e)
		}
		if err != nil {
			return err
		}
		out := enrollOut{Status: e.Status, CertificateID: e.CertificateID, RequestID: e.RequestID, SerialNumber: e.SerialNumber,
			Recovered: e.Recovered, Message: e.Message}
		return a.print(out, func(w io.Writer) {
			if out.Status == keyfactor.EnrollmentPending {
				fmt.Fprintf(w, "renewal request %d is pending approval\n", out.RequestID)
				return
			}
			fmt.Fprintf(w, "certificate %d renewed as certificate %d\n", id, out.CertificateID)
		})
	}
}

func certMetadataSet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	query := fs.StringP("query", "q", "", "set the fields on every certificate this Keyfactor query matches, instead of CERT_ID")
	overwrite := fs.Bool("overwrite", true, "with --query: replace a field that already has a value")
	return func(ctx context.Context, args []string) error {
		pairs := args
		id := 0
		if *query == "" {
			if len(args) < 2 {
				return usagef("give CERT_ID and NAME=VALUE pairs, or --query Q and NAME=VALUE pairs")
			}
			var err error
			if id, err = intArg("CERT_ID", args[0]); err != nil {
				return err
			}
			pairs = args[1:]
		}
		values, err := keyValues("NAME=VALUE", pairs)
		if err != nil {
			return err
		}
		if len(values) == 0 {
			return usagef("give at least one NAME=VALUE pair")
		}
		c := a.kf
		if *query != "" {
			err = c.Certificates.SetMetadataByQuery(ctx, *query, values, *overwrite)
		} else {
			err = c.Certificates.SetMetadata(ctx, id, values, keyfactor.OwnerScope{})
		}
		if err != nil {
			return err
		}
		return a.print(map[string]any{"CertificateId": id, "Query": *query, "Metadata": values}, func(w io.Writer) {
			fmt.Fprintf(w, "set %d metadata fields\n", len(values))
		})
	}
}

func certHistory(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	pageSize := fs.Int("page-size", 0, "entries per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		a.followUps = "further pages are read while pages come back full"
		return stream(a, a.kf.Certificates.History(ctx, id, keyfactor.ListHistoryOptions{PageSize: *pageSize}),
			"WHEN\tACTION\tUSER\tCOMMENT", func(e keyfactor.HistoryEntry) string {
				when := ""
				if e.OperationStart != nil {
					when = e.OperationStart.UTC().Format("2006-01-02T15:04:05Z")
				}
				return when + "\t" + e.Action + "\t" + e.Username + "\t" + e.Comment
			})
	}
}

func certDelete(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	yes := fs.Bool("yes", false, "delete without asking (needed when standard input is a terminal)")
	return func(ctx context.Context, args []string) error {
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		if err := a.confirmed("deleting a certificate and its stored key", *yes); err != nil {
			return err
		}
		if err := a.kf.Certificates.Delete(ctx, id, keyfactor.OwnerScope{}); err != nil {
			return err
		}
		return a.print(deleted{ID: id, Deleted: true}, func(w io.Writer) { fmt.Fprintf(w, "certificate %d deleted\n", id) })
	}
}

// Metadata fields.

func metadataFieldList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "metadata field", `Keyfactor query, e.g. 'Name -eq "Team"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.MetadataField, error] {
			return c.MetadataFields.List(ctx, keyfactor.ListMetadataFieldsOptions{Query: query, PageSize: pageSize})
		},
		"ID\tNAME\tTYPE\tENROLLMENT\tOPTIONS", func(f keyfactor.MetadataField) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", f.ID, f.Name, f.DataType, f.Enrollment, strings.Join(f.Options, ","))
		})
}

func metadataFieldGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "metadata field",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.MetadataField, error) {
			return c.MetadataFields.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.MetadataField, error) {
			return c.MetadataFields.GetByName(ctx, name)
		},
		func(w io.Writer, f *keyfactor.MetadataField) {
			fmt.Fprintf(w, "metadata field %d %s (%s, %s)\n  description: %s\n", f.ID, f.Name, f.DataType, f.Enrollment, f.Description)
			if len(f.Options) > 0 {
				fmt.Fprintf(w, "  options: %s\n", strings.Join(f.Options, ", "))
			}
		})
}

func metadataFieldApply(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON metadata field, or an array; - for standard input")
	planOnly := fs.Bool("plan", false, "show what would change and send no write")
	return func(ctx context.Context, args []string) error {
		data, err := a.readInput(ctx, "--file", *file, maxRequestFile)
		if err != nil {
			return err
		}
		desired, err := strictjson.DecodeList[keyfactor.CreateMetadataFieldRequest](data)
		if err != nil {
			return usagef("%s: not a valid request: %v", displayName(*file), err)
		}
		var fields []keyfactor.FieldError
		for i, d := range desired {
			var ve *keyfactor.ValidationError
			if errors.As(d.Validate(), &ve) {
				for _, f := range ve.Fields {
					fields = append(fields, keyfactor.FieldError{Field: fmt.Sprintf("[%d].%s", i, f.Field), Problem: f.Problem})
				}
			}
		}
		if len(fields) > 0 {
			return &keyfactor.ValidationError{Op: "metadata field file", Fields: fields}
		}
		c := a.kf
		return a.applyEach(len(desired), *planOnly, func(i int) (bool, error) {
			d := desired[i]
			return planOrApply(a, *planOnly,
				func() (*keyfactor.MetadataFieldPlan, error) { return c.MetadataFields.Plan(ctx, d) },
				func() (*keyfactor.MetadataFieldPlan, *keyfactor.MetadataField, error) {
					return c.MetadataFields.Apply(ctx, d)
				},
				func(err error) {
					a.printPlan(planOut{Name: d.Name, Error: oneLine(err.Error()), noun: "metadata field"}, nil)
				},
				func(p *keyfactor.MetadataFieldPlan, f *keyfactor.MetadataField, msg string) keyfactor.Action {
					out := planOut{Name: d.Name, Action: p.Action, Changes: p.Changes, Error: msg, noun: "metadata field"}
					switch {
					case p.Current != nil:
						out.ID = p.Current.ID
					case f != nil:
						out.ID = f.ID
					}
					a.printPlan(out, nil)
					return p.Action
				})
		})
	}
}

func metadataFieldDelete(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "delete the field with exactly this name, instead of ID")
	return func(ctx context.Context, args []string) error {
		c := a.kf
		id, byName, err := byIDOrName(args, fs)
		if err != nil {
			return err
		}
		if byName {
			f, err := c.MetadataFields.GetByName(ctx, *name)
			if err != nil {
				return err
			}
			id = f.ID
		}
		if err := c.MetadataFields.Delete(ctx, id); err != nil {
			return err
		}
		return a.print(deleted{ID: id, Name: *name, Deleted: true}, func(w io.Writer) { fmt.Fprintf(w, "metadata field %d deleted\n", id) })
	}
}

// certLifecycleCommands are what happens to a certificate after issue.
var certLifecycleCommands = []command{
	{name: "cert revoke", synopses: []string{"CERT_ID... --reason R --comment TEXT [--plan] [--yes] [--collection-id N]"},
		summary: "revoke certificates; a repeat is a success (already revoked), a workflow's hold is reported",
		long: `Each certificate ends in one of three lists: Revoked (by this command),
AlreadyRevoked (before it) and Pending (held by a workflow). The request is never
sent twice: after a lost answer each certificate is read instead. --plan reads
them and says which would be revoked (exit 8 when one would). When standard
input is a terminal, --yes is needed.`,
		setup: certRevoke, args: minArgs(1, "CERT_ID"),
		names: map[string]string{"CertificateIDs": "CERT_ID", "Reason": "--reason", "Comment": "--comment"}},
	{name: "cert renew", synopses: []string{"CERT_ID [--template NAME] [--wait]"},
		summary: "renew a certificate (one-click): a new one of the same subject; never sent twice",
		setup:   certRenew, args: oneArg("CERT_ID"), names: map[string]string{"CertificateID": "CERT_ID", "Template": "--template"}},
	{name: "cert metadata set", synopses: []string{"CERT_ID NAME=VALUE...", "--query Q NAME=VALUE... [--overwrite=false]"},
		summary: "set metadata fields; fields not named keep their values; values are checked against their fields first",
		setup:   certMetadataSet, args: minArgs(1, "NAME=VALUE"), names: map[string]string{"id": "CERT_ID", "query": "--query"}},
	{name: "cert history", synopses: []string{"CERT_ID [--page-size N]"},
		summary: "list what happened to a certificate, one JSON line each (a table with --output text)",
		setup:   certHistory, args: oneArg("CERT_ID"), names: map[string]string{"id": "CERT_ID", "PageSize": "--page-size"}},
	{name: "cert delete", synopses: []string{"CERT_ID [--yes]"},
		summary: "delete a certificate and the key Command holds for it (--yes at a terminal)",
		setup:   certDelete, args: oneArg("CERT_ID"), names: map[string]string{"id": "CERT_ID"}},
}

var metadataFieldCommands = []command{
	{name: "metadata-field list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list metadata fields, one JSON line each (a table with --output text)", setup: metadataFieldList,
		names: listNames, args: noArgs("use --query")},
	{name: "metadata-field get", synopses: []string{"ID", "--name NAME"}, summary: "show a metadata field, by id or exact name",
		setup: metadataFieldGet, names: idNames, args: idOrName("metadata field")},
	{name: "metadata-field apply", synopses: []string{"--file FILE [--plan]"},
		summary: "make the server hold the metadata field(s) in FILE; --plan shows the changes, writes nothing",
		long: `FILE holds one field, or an array, as {"Name", "Description", "DataType" (String,
Integer, Date, Boolean, MultipleChoice, BigText, Email), "Enrollment" (Optional,
Required, Hidden), "Options" [...], "Hint", "Validation", "Message", "DefaultValue",
"DisplayOrder"}, read strictly. Fields are found by exact name. Every field is
validated before anything is written. Exit 8 when --plan finds changes.`,
		setup: metadataFieldApply, args: noArgs("use --file")},
	{name: "metadata-field delete", synopses: []string{"ID", "--name NAME"}, summary: "delete a metadata field no certificate uses",
		setup: metadataFieldDelete, names: idNames, args: idOrName("metadata field")},
}
