package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Delivery: certificate stores, store types, orchestrators (agents), the
// jobs they run, and cert rotate.

// storeFile is a store as store apply reads it. A secret is never written
// in the file: SecretsFromEnv names the environment variable that holds
// each one.
type storeFile struct {
	ClientMachine   string            `json:"ClientMachine"`
	StorePath       string            `json:"StorePath"`
	StoreType       int               `json:"StoreType"`
	AgentID         string            `json:"AgentId"`
	ContainerID     *int              `json:"ContainerId"`
	CreateIfMissing bool              `json:"CreateIfMissing"`
	Properties      map[string]string `json:"Properties"`
	SecretsFromEnv  map[string]string `json:"SecretsFromEnv"`
}

// request turns the file's store into the SDK's, reading each secret from
// the environment; a variable that is unset or empty is a field error.
func (f storeFile) request(a *app, index int) (keyfactor.CreateStoreRequest, []keyfactor.FieldError) {
	req := keyfactor.CreateStoreRequest{ClientMachine: f.ClientMachine, StorePath: f.StorePath, StoreType: f.StoreType,
		AgentID: f.AgentID, ContainerID: f.ContainerID, CreateIfMissing: f.CreateIfMissing, Properties: f.Properties}
	var problems []keyfactor.FieldError
	for _, name := range slices.Sorted(maps.Keys(f.SecretsFromEnv)) {
		v := a.getenv(f.SecretsFromEnv[name])
		if v == "" {
			problems = append(problems, keyfactor.FieldError{Field: fmt.Sprintf("[%d].SecretsFromEnv[%q]", index, name),
				Problem: fmt.Sprintf("environment variable %s is unset or empty", f.SecretsFromEnv[name])})
			continue
		}
		if req.Secrets == nil {
			req.Secrets = map[string]keyfactor.Secret{}
		}
		req.Secrets[name] = keyfactor.NewSecret(v)
	}
	return req, problems
}

// storePlanOut is one line of store apply's output.
type storePlanOut struct {
	ClientMachine string             `json:"ClientMachine"`
	StorePath     string             `json:"StorePath"`
	StoreType     int                `json:"StoreType"`
	ID            string             `json:"Id,omitempty"`
	Action        keyfactor.Action   `json:"Action"`
	Changes       []keyfactor.Change `json:"Changes,omitempty"`
	Error         string             `json:"Error,omitempty"`
}

func (p storePlanOut) text(w io.Writer) {
	mark := map[keyfactor.Action]string{keyfactor.ActionCreate: "+", keyfactor.ActionUpdate: "~", keyfactor.ActionNone: "="}[p.Action]
	if p.Action == "" {
		mark = "!"
	}
	fmt.Fprintf(w, "%s store %s %s (type %d)", mark, p.ClientMachine, p.StorePath, p.StoreType)
	if p.ID != "" {
		fmt.Fprintf(w, " id %s", p.ID)
	}
	fmt.Fprintln(w)
	printChanges(w, p.Changes, p.Error)
}

// printStorePlan prints one line of store apply: JSON, or text with -o text.
func (a *app) printStorePlan(p storePlanOut) {
	if a.output == "text" {
		p.text(a.stdout)
		return
	}
	b, _ := json.Marshal(p)
	fmt.Fprintln(a.stdout, string(b))
}

func storeList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "store", `Keyfactor query, e.g. 'ClientMachine -eq "web1.example.com"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.CertificateStore, error] {
			return c.Stores.List(ctx, keyfactor.ListStoresOptions{Query: query, PageSize: pageSize})
		},
		"ID\tTYPE\tCLIENT MACHINE\tSTORE PATH\tAGENT", func(s keyfactor.CertificateStore) string {
			return fmt.Sprintf("%s\t%d\t%s\t%s\t%s", s.ID, s.StoreType, s.ClientMachine, s.StorePath, s.AgentID)
		})
}

func storeGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	machine := fs.String("client-machine", "", "with --store-path and --store-type: the store at this client machine")
	path := fs.String("store-path", "", "the store's path on the client machine")
	storeType := fs.Int("store-type", -1, "the store type's id")
	return func(ctx context.Context, args []string) error {
		var st *keyfactor.CertificateStore
		var err error
		switch {
		case len(args) == 1 && !fs.Changed("client-machine"):
			st, err = a.kf.Stores.Get(ctx, args[0])
		case len(args) == 0 && fs.Changed("client-machine") && fs.Changed("store-path") && fs.Changed("store-type"):
			st, err = a.kf.Stores.GetByPath(ctx, *machine, *path, *storeType)
		default:
			return usagef("name the store by STORE_ID, or by --client-machine, --store-path and --store-type")
		}
		if err != nil {
			return err
		}
		return a.print(st, func(w io.Writer) {
			fmt.Fprintf(w, "store %s: %s %s (type %d), agent %s\n", st.ID, st.ClientMachine, st.StorePath, st.StoreType, st.AgentID)
			for _, k := range slices.Sorted(maps.Keys(st.Properties)) {
				fmt.Fprintf(w, "  %s: %s\n", k, st.Properties[k])
			}
			for _, k := range slices.Sorted(maps.Keys(st.Secrets)) {
				fmt.Fprintf(w, "  %s: (secret, set)\n", k)
			}
		})
	}
}

func storeApply(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON store, or an array; - for standard input")
	planOnly := fs.Bool("plan", false, "show what would change and send no write")
	return func(ctx context.Context, args []string) error {
		data, err := a.readInput(ctx, "--file", *file, maxRequestFile)
		if err != nil {
			return err
		}
		files, err := strictjson.DecodeList[storeFile](data)
		if err != nil {
			return usagef("%s: not a valid store: %v", displayName(*file), err)
		}
		desired := make([]keyfactor.CreateStoreRequest, len(files))
		var fields []keyfactor.FieldError
		for i, f := range files {
			var problems []keyfactor.FieldError
			desired[i], problems = f.request(a, i)
			fields = append(fields, problems...)
		}
		if len(fields) > 0 {
			return &keyfactor.ValidationError{Op: "store file", Fields: fields}
		}
		return a.applyEach(len(desired), *planOnly, func(i int) (bool, error) {
			d := desired[i]
			out := storePlanOut{ClientMachine: d.ClientMachine, StorePath: d.StorePath, StoreType: d.StoreType}
			return planOrApply(a, *planOnly,
				func() (*keyfactor.StorePlan, error) { return a.kf.Stores.Plan(ctx, d) },
				func() (*keyfactor.StorePlan, *keyfactor.CertificateStore, error) { return a.kf.Stores.Apply(ctx, d) },
				func(err error) {
					out.Error = oneLine(err.Error())
					a.printStorePlan(out)
				},
				func(p *keyfactor.StorePlan, st *keyfactor.CertificateStore, msg string) keyfactor.Action {
					out.Action, out.Changes, out.Error = p.Action, p.Changes, msg
					switch {
					case p.Current != nil:
						out.ID = p.Current.ID
					case st != nil:
						out.ID = st.ID
					}
					a.printStorePlan(out)
					return p.Action
				})
		})
	}
}

// storeDeleted is what store delete prints.
type storeDeleted struct {
	ID      string `json:"Id"`
	Deleted bool   `json:"Deleted"`
}

func storeDelete(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	yes := fs.Bool("yes", false, "delete without asking (needed when standard input is a terminal)")
	return func(ctx context.Context, args []string) error {
		if err := a.confirmed("deleting a certificate store", *yes); err != nil {
			return err
		}
		if err := a.kf.Stores.Delete(ctx, args[0]); err != nil {
			return err
		}
		return a.print(storeDeleted{ID: args[0], Deleted: true}, func(w io.Writer) { fmt.Fprintf(w, "store %s deleted\n", args[0]) })
	}
}

func storeInventory(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		a.followUps = "further pages are read while pages come back full"
		return stream(a, a.kf.Stores.Inventory(ctx, args[0]), "ALIAS\tCERT ID\tTHUMBPRINT\tSUBJECT\tNOT AFTER",
			func(item keyfactor.InventoryItem) string {
				if len(item.Certificates) == 0 {
					return item.Alias + "\t-\t-\t-\t-"
				}
				c := item.Certificates[0]
				return fmt.Sprintf("%s\t%d\t%s\t%s\t%s", item.Alias, c.ID, c.Thumbprint, c.IssuedDN, c.NotAfter.Format("2006-01-02"))
			})
	}
}

// jobsOut is what a command that schedules jobs prints: the jobs, and
// with --wait how each ended.
type jobsOut struct {
	Jobs    []keyfactor.Job       `json:"Jobs"`
	Results []keyfactor.JobResult `json:"Results,omitempty"`
}

// waitJobs prints the jobs, after waiting for them when wait is set, and
// each store's end on stderr once the wait is over (Jobs.Wait answers for
// all the jobs at once; cert rotate's lines come as each job ends). A
// failed job is the error.
func (a *app) waitJobs(ctx context.Context, jobs []keyfactor.Job, wait bool) error {
	out := jobsOut{Jobs: jobs}
	var err error
	if wait {
		out.Results, err = a.kf.Jobs.Wait(ctx, jobs)
		a.jobProgress(out.Results)
	}
	if perr := a.print(out, func(w io.Writer) {
		// Results hold only the jobs that ended (all of them unless the
		// wait was cut short): match them by id, not by position.
		ends := map[string]keyfactor.JobStatus{}
		for _, r := range out.Results {
			ends[r.Job.ID] = r.Status
		}
		for _, j := range jobs {
			end := cmp.Or(string(ends[j.ID]), "not ended")
			if !wait {
				end = "scheduled"
			}
			fmt.Fprintf(w, "job %s (store %s): %s\n", j.ID, j.StoreID, end)
		}
	}); err == nil {
		err = perr
	}
	return err
}

// jobProgress says on stderr how each store's job ended.
func (a *app) jobProgress(results []keyfactor.JobResult) {
	for _, r := range results {
		line := fmt.Sprintf("store %s: %s", cmp.Or(r.Job.StoreID, r.Job.ID), r.Status)
		if r.Message != "" {
			line += ": " + oneLine(r.Message)
		}
		fmt.Fprintln(a.stderr, line)
	}
}

func storeAddCert(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	stores := fs.StringSlice("store", nil, "the store's id (repeat, or comma-separate, for several)")
	alias := fs.String("alias", "", "the alias in the store (default: the certificate's thumbprint)")
	overwrite := fs.Bool("overwrite", false, "replace what the store holds under the alias")
	wait := fs.Bool("wait", false, "wait (within --timeout) for every job to end; a failed job exits 7")
	return func(ctx context.Context, args []string) error {
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		req := keyfactor.AddCertificateRequest{CertificateID: id}
		for _, s := range *stores {
			req.Stores = append(req.Stores, keyfactor.StoreTarget{StoreID: s, Alias: *alias, Overwrite: *overwrite})
		}
		jobs, err := a.kf.Stores.AddCertificate(ctx, req)
		if err != nil {
			return err
		}
		return a.waitJobs(ctx, jobs, *wait)
	}
}

func storeRemoveCert(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	stores := fs.StringSlice("store", nil, "the store's id (repeat, or comma-separate, for several)")
	alias := fs.String("alias", "", "the alias to remove (default: every alias holding CERT_ID, from each store's inventory)")
	wait := fs.Bool("wait", false, "wait (within --timeout) for every job to end; a failed job exits 7")
	return func(ctx context.Context, args []string) error {
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		var req keyfactor.RemoveCertificateRequest
		for _, s := range *stores {
			if *alias != "" {
				req.Stores = append(req.Stores, keyfactor.StoreTarget{StoreID: s, Alias: *alias})
				continue
			}
			found := false
			for item, err := range a.kf.Stores.Inventory(ctx, s) {
				if err != nil {
					return err
				}
				if slices.ContainsFunc(item.Certificates, func(c keyfactor.InventoryCertificate) bool { return c.ID == id }) {
					req.Stores = append(req.Stores, keyfactor.StoreTarget{StoreID: s, Alias: item.Alias})
					found = true
				}
			}
			if !found {
				return fmt.Errorf("store %s holds no certificate %d (by its last inventory): %w", s, id, keyfactor.ErrNotFound)
			}
		}
		jobs, err := a.kf.Stores.RemoveCertificate(ctx, req)
		if err != nil {
			return err
		}
		return a.waitJobs(ctx, jobs, *wait)
	}
}

func storeTypeList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	pageSize := fs.Int("page-size", 0, "store types per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		return stream(a, a.kf.StoreTypes.List(ctx, keyfactor.ListStoreTypesOptions{PageSize: *pageSize}), "ID\tSHORT NAME\tNAME",
			func(t keyfactor.StoreType) string { return fmt.Sprintf("%d\t%s\t%s", t.ID, t.ShortName, t.Name) })
	}
}

func storeTypeGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "store type (short name)",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.StoreType, error) {
			return c.StoreTypes.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.StoreType, error) {
			return c.StoreTypes.GetByName(ctx, name)
		},
		func(w io.Writer, t *keyfactor.StoreType) {
			fmt.Fprintf(w, "store type %d %s (%s)\n", t.ID, t.ShortName, t.Name)
		})
}

func agentList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "orchestrator", `Keyfactor query, e.g. 'ClientMachine -eq "orch1"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Agent, error] {
			return c.Agents.List(ctx, keyfactor.ListAgentsOptions{Query: query, PageSize: pageSize})
		},
		"ID\tCLIENT MACHINE\tVERSION\tSTATUS", func(ag keyfactor.Agent) string {
			return fmt.Sprintf("%s\t%s\t%s\t%d", ag.ID, ag.ClientMachine, ag.Version, ag.Status)
		})
}

func agentGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		ag, err := a.kf.Agents.Get(ctx, args[0])
		if err != nil {
			return err
		}
		return a.print(ag, func(w io.Writer) {
			fmt.Fprintf(w, "orchestrator %s on %s, version %s, status %d\n", ag.ID, ag.ClientMachine, ag.Version, ag.Status)
		})
	}
}

// agentDone is what agent approve, disapprove and reset print.
type agentDone struct {
	IDs    []string `json:"Ids"`
	Action string   `json:"Action"`
}

// agentAction is agent approve, disapprove or reset.
func agentAction(action string) func(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) error {
			var err error
			switch action {
			case "approved":
				err = a.kf.Agents.Approve(ctx, args...)
			case "disapproved":
				err = a.kf.Agents.Disapprove(ctx, args...)
			default:
				for _, id := range args {
					if err = a.kf.Agents.Reset(ctx, id); err != nil {
						break
					}
				}
			}
			if err != nil {
				return err
			}
			return a.print(agentDone{IDs: args, Action: action}, func(w io.Writer) {
				fmt.Fprintf(w, "%s: %s\n", action, strings.Join(args, ", "))
			})
		}
	}
}

func jobList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	scheduled := fs.Bool("scheduled", false, "list the jobs waiting to run instead of job history")
	return listCommand(a, fs, "job", `Keyfactor query, e.g. 'Result -eq 4' (job history only)`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[jobLine, error] {
			return func(yield func(jobLine, error) bool) {
				if *scheduled {
					for j, err := range c.Jobs.Scheduled(ctx, keyfactor.ListScheduledJobsOptions{Query: query, PageSize: pageSize}) {
						if !yield(jobLine{JobID: j.ID, JobType: j.JobType, ClientMachine: j.ClientMachine, StorePath: j.Target, State: "scheduled"}, err) {
							return
						}
					}
					return
				}
				for r, err := range c.Jobs.History(ctx, keyfactor.ListJobHistoryOptions{Query: query, PageSize: pageSize}) {
					line := jobLine{HistoryID: r.HistoryID, JobID: r.JobID, JobType: r.JobType, ClientMachine: r.ClientMachine,
						StorePath: r.StorePath, Result: r.Result, Status: r.Status, Message: r.Message}
					if !yield(line, err) {
						return
					}
				}
			}
		},
		"JOB ID\tTYPE\tCLIENT MACHINE\tSTORE PATH\tSTATE\tMESSAGE", func(j jobLine) string {
			state := cmp.Or(j.State, jobState(j.Status, j.Result))
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", j.JobID, j.JobType, j.ClientMachine, j.StorePath, state, oneLine(j.Message))
		})
}

// jobState names a job history record's status and result codes (the
// wire's numbers; names as Keyfactor documents them): "completed: success",
// "in process", "completed, will retry: failure".
func jobState(status, result int) string {
	statuses := map[int]string{1: "waiting", 2: "in process", 3: "completed", 4: "acknowledged", 5: "completed, will retry"}
	results := map[int]string{2: "success", 3: "warning", 4: "failure"}
	name, ok := statuses[status]
	switch {
	case !ok:
		return fmt.Sprintf("status %d, result %d", status, result)
	case status < 3: // not run yet: no result
		return name
	case results[result] == "":
		return fmt.Sprintf("%s: result %d", name, result)
	}
	return name + ": " + results[result]
}

// jobLine is one line of job list.
type jobLine struct {
	HistoryID     int64  `json:"JobHistoryId,omitempty"`
	JobID         string `json:"JobId"`
	JobType       string `json:"JobType"`
	ClientMachine string `json:"ClientMachine"`
	StorePath     string `json:"StorePath"`
	Result        int    `json:"Result,omitempty"`
	Status        int    `json:"Status,omitempty"`
	Message       string `json:"Message,omitempty"`
	State         string `json:"State,omitempty"` // "scheduled" for a job waiting to run
}

func jobWait(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		jobs := make([]keyfactor.Job, len(args))
		for i, id := range args {
			jobs[i] = keyfactor.Job{ID: id}
		}
		return a.waitJobs(ctx, jobs, true)
	}
}

// rotateOut is cert rotate's JSON summary.
type rotateOut struct {
	OldCertificateID int                   `json:"OldCertificateId"`
	NewCertificateID int                   `json:"NewCertificateId,omitempty"`
	Stores           []keyfactor.JobResult `json:"Stores"`
	Error            string                `json:"Error,omitempty"`
}

func certRotate(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	reenroll := fs.Bool("reenroll", false, "renew by PFX re-enrollment even when Command offers one-click renewal")
	wait := fs.Bool("wait", true, "wait (within --timeout) for every store's job; rotate always does, and --wait=false is refused")
	return func(ctx context.Context, args []string) error {
		id, err := intArg("CERT_ID", args[0])
		if err != nil {
			return err
		}
		if !*wait {
			return usagef("cert rotate waits for every store: the replacement is only confirmed by its jobs (use store add-cert to schedule without waiting)")
		}
		// Each store's line goes to stderr as its job ends.
		progress := func(r keyfactor.JobResult) { a.jobProgress([]keyfactor.JobResult{r}) }
		rot, err := a.kf.Certificates.Rotate(ctx, id, keyfactor.RotateOptions{Reenroll: *reenroll, Progress: progress})
		out := rotateOut{OldCertificateID: id, Stores: []keyfactor.JobResult{}}
		if rot != nil {
			out.Stores = append(out.Stores, rot.Stores...)
			if rot.New != nil {
				out.NewCertificateID = rot.New.CertificateID
			}
		}
		if rot == nil {
			return err
		}
		if err != nil {
			out.Error = oneLine(err.Error())
		}
		_ = a.print(out, func(w io.Writer) {
			fmt.Fprintf(w, "certificate %d rotated to %d in %d store(s)\n", id, out.NewCertificateID, len(out.Stores))
		})
		return err
	}
}

var storeCommands = []command{
	{name: "store list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list certificate stores, one JSON line each (a table with --output text)", setup: storeList,
		names: listNames, args: noArgs("use --query")},
	{name: "store get", synopses: []string{"STORE_ID", "--client-machine M --store-path P --store-type N"},
		summary: "show a certificate store; its secrets are said to be set, never shown", setup: storeGet,
		names: map[string]string{"id": "STORE_ID", "clientMachine": "--client-machine", "storePath": "--store-path", "storeType": "--store-type"},
		args:  cobra.MaximumNArgs(1)},
	{name: "store apply", synopses: []string{"--file FILE [--plan]"},
		summary: "make the server hold the store(s) in FILE; --plan shows the changes, writes nothing",
		long: `FILE holds one store, or an array, as {"ClientMachine", "StorePath", "StoreType"
(the type's id), "AgentId", "ContainerId", "CreateIfMissing", "Properties" {name: string},
"SecretsFromEnv" {secret name: environment variable}}, read strictly. A secret
(ServerUsername, ServerPassword, StorePassword, ...) is never written in the file:
SecretsFromEnv names the variable holding it. A store is found by client machine,
path and type. A secret the server lacks shows as "secret changed", never its
value; one it holds is left alone. Exit 8 when --plan finds changes.`,
		setup: storeApply, args: noArgs("use --file"),
		names: map[string]string{"ClientMachine": "ClientMachine", "StorePath": "StorePath", "StoreType": "StoreType", "AgentID": "AgentId"}},
	{name: "store delete", synopses: []string{"STORE_ID [--yes]"}, summary: "delete a certificate store (--yes at a terminal)",
		setup: storeDelete, args: oneArg("STORE_ID"), names: map[string]string{"id": "STORE_ID"}},
	{name: "store inventory", synopses: []string{"STORE_ID"},
		summary: "list what a store held at its last inventory, one JSON line per alias (a table with --output text)",
		setup:   storeInventory, args: oneArg("STORE_ID"), names: map[string]string{"id": "STORE_ID"}},
	{name: "store add-cert", synopses: []string{"CERT_ID --store STORE_ID... [--alias A] [--overwrite] [--wait]"},
		summary: "schedule adding a certificate to stores; --wait waits for each job's end (a failed job exits 7)",
		setup:   storeAddCert, args: oneArg("CERT_ID"),
		names: map[string]string{"CertificateID": "CERT_ID", "Stores": "--store", "StoreID": "--store", "Alias": "--alias"}},
	{name: "store remove-cert", synopses: []string{"CERT_ID --store STORE_ID... [--alias A] [--wait]"},
		summary: "schedule removing a certificate from stores; --wait waits for each job's end (a failed job exits 7)",
		setup:   storeRemoveCert, args: oneArg("CERT_ID"),
		names: map[string]string{"Stores": "--store", "StoreID": "--store", "Alias": "--alias"}},
}

var storeTypeCommands = []command{
	{name: "store-type list", synopses: []string{"[--page-size N]"},
		summary: "list certificate store types, one JSON line each (a table with --output text)", setup: storeTypeList,
		names: listNames, args: noArgs("")},
	{name: "store-type get", synopses: []string{"ID", "--name SHORT_NAME"}, summary: "show a store type, by id or short name",
		setup: storeTypeGet, names: idNames, args: idOrName("store type")},
}

var agentCommands = []command{
	{name: "agent list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list orchestrators, one JSON line each (a table with --output text)", setup: agentList,
		names: listNames, args: noArgs("use --query")},
	{name: "agent get", synopses: []string{"AGENT_ID"}, summary: "show an orchestrator", setup: agentGet,
		args: oneArg("AGENT_ID"), names: map[string]string{"id": "AGENT_ID"}},
	{name: "agent approve", synopses: []string{"AGENT_ID..."}, summary: "approve orchestrators (one request)",
		setup: agentAction("approved"), args: minArgs(1, "AGENT_ID"), names: map[string]string{"ids": "AGENT_ID"}},
	{name: "agent disapprove", synopses: []string{"AGENT_ID..."}, summary: "disapprove orchestrators (one request)",
		setup: agentAction("disapproved"), args: minArgs(1, "AGENT_ID"), names: map[string]string{"ids": "AGENT_ID"}},
	{name: "agent reset", synopses: []string{"AGENT_ID..."}, summary: "reset orchestrators: they register again",
		setup: agentAction("reset"), args: minArgs(1, "AGENT_ID"), names: map[string]string{"id": "AGENT_ID"}},
}

var jobCommands = []command{
	{name: "job list", synopses: []string{"[--query Q] [--page-size N] [--scheduled]"},
		summary: "list job history (or, with --scheduled, the jobs waiting to run), one JSON line each", setup: jobList,
		names: listNames, args: noArgs("use --query")},
	{name: "job wait", synopses: []string{"JOB_ID..."},
		summary: "wait (within --timeout) for jobs to end and print how each ended; a failed job exits 7",
		setup:   jobWait, args: minArgs(1, "JOB_ID"), names: map[string]string{"jobs": "JOB_ID", "ID": "JOB_ID"}},
	{name: "cert rotate", synopses: []string{"CERT_ID [--reenroll] [--wait]"},
		summary: "renew a certificate, replace it in every store that holds it, and wait for every store (a failed store exits 7)",
		long: `Progress goes to stderr, one line per store as its job ends; stdout gets a JSON summary
{"OldCertificateId", "NewCertificateId", "Stores": [...]}. A store whose job failed
keeps the old certificate and is named, and the exit code is 7. The renewal is
never sent twice (a lost answer is found, as for cert enroll).`,
		setup: certRotate, args: oneArg("CERT_ID"), names: map[string]string{"id": "CERT_ID"}},
}
