package keyfactor

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StoresService manages certificate stores and what they hold (API v1
// /CertificateStores). Reach it as Client.Stores. Every change to what a
// store holds is a job an orchestrator runs later: AddCertificate and
// RemoveCertificate return the jobs, and Jobs.Wait says how they ended.
type StoresService struct{ c *Client }

// Secret is a value that never prints: fmt (any verb), slog, JSON of a
// public type, an error or a log line show "[REDACTED]" (or nothing, when
// empty). Value is the one way to read it back. The wire carries it.
type Secret struct{ v *string }

// NewSecret wraps value.
func NewSecret(value string) Secret { return Secret{&value} }

// Value returns the secret's value.
func (s Secret) Value() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsSet reports whether the secret holds a value (the server says a
// stored secret is set without saying its value).
func (s Secret) IsSet() bool { return s.v != nil }

// Format prints [REDACTED] for a secret with a value, for every verb.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, redactIfSet(s.shown())) }

// LogValue is what slog records: never the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redactIfSet(s.shown())) }

// MarshalJSON writes "[REDACTED]" (or ""), never the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redactIfSet(s.shown())) }

func (s Secret) shown() string {
	if s.v == nil {
		return ""
	}
	return "set"
}

// Schedule is when a job runs. Exactly one of its fields is set; the zero
// Schedule is Immediate where a job is scheduled, and none where a store's
// inventory schedule is read.
type Schedule struct {
	Immediate   bool
	Interval    time.Duration // every so many minutes
	Daily       *TimeOfDay
	Weekly      *WeeklySchedule
	Monthly     *MonthlySchedule
	ExactlyOnce *time.Time
	Off         bool
}

// TimeOfDay is a time of day, UTC.
type TimeOfDay struct{ Hour, Minute int }

// WeeklySchedule runs on Days at At.
type WeeklySchedule struct {
	Days []time.Weekday
	At   TimeOfDay
}

// MonthlySchedule runs on Day of the month at At.
type MonthlySchedule struct {
	Day int
	At  TimeOfDay
}

// weekday is a day of a weekly schedule: sent as its number (0 Sunday),
// as the model has it; read as a number or a name ("Monday"), as Command
// v25.5 answers.
type weekday time.Weekday

func (d *weekday) UnmarshalJSON(b []byte) error {
	var n int
	var name string
	switch {
	case json.Unmarshal(b, &n) == nil:
	case json.Unmarshal(b, &name) == nil:
		name = strings.TrimSpace(name)
		n = -1
		for w := time.Sunday; w <= time.Saturday; w++ {
			if strings.EqualFold(name, w.String()) {
				n = int(w)
			}
		}
		if m, err := strconv.Atoi(name); err == nil {
			n = m
		}
	default:
		return fmt.Errorf("%.40s is not a day of the week", b)
	}
	if n < 0 || n > 6 {
		return fmt.Errorf("%.40s is not a day of the week", b)
	}
	*d = weekday(n)
	return nil
}

// scheduleWire is Keyfactor's schedule object.
type scheduleWire struct {
	Immediate *bool `json:"Immediate,omitempty"`
	Interval  *struct {
		Minutes int `json:"Minutes"`
	} `json:"Interval,omitempty"`
	Daily *struct {
		Time string `json:"Time"`
	} `json:"Daily,omitempty"`
	Weekly *struct {
		Days []weekday `json:"Days"`
		Time string    `json:"Time"`
	} `json:"Weekly,omitempty"`
	Monthly *struct {
		Day  int    `json:"Day"`
		Time string `json:"Time"`
	} `json:"Monthly,omitempty"`
	ExactlyOnce *struct {
		Time string `json:"Time"`
	} `json:"ExactlyOnce,omitempty"`
	Off *bool `json:"Off,omitempty"`
}

func (t TimeOfDay) wire() string {
	return time.Date(2000, 1, 1, t.Hour, t.Minute, 0, 0, time.UTC).Format(time.RFC3339)
}

func timeOfDay(s string) TimeOfDay {
	t, err := parseTime(s)
	if err != nil {
		return TimeOfDay{}
	}
	t = t.UTC()
	return TimeOfDay{t.Hour(), t.Minute()}
}

// MarshalJSON writes the schedule as Keyfactor's object.
func (s Schedule) MarshalJSON() ([]byte, error) { return json.Marshal(s.wire()) }

func (s Schedule) wire() scheduleWire {
	var w scheduleWire
	yes := true
	switch {
	case s.Off:
		w.Off = &yes
	case s.Interval > 0:
		w.Interval = &struct {
			Minutes int `json:"Minutes"`
		}{int(s.Interval / time.Minute)}
	case s.Daily != nil:
		w.Daily = &struct {
			Time string `json:"Time"`
		}{s.Daily.wire()}
	case s.Weekly != nil:
		days := make([]weekday, len(s.Weekly.Days))
		for i, d := range s.Weekly.Days {
			days[i] = weekday(d)
		}
		w.Weekly = &struct {
			Days []weekday `json:"Days"`
			Time string    `json:"Time"`
		}{days, s.Weekly.At.wire()}
	case s.Monthly != nil:
		w.Monthly = &struct {
			Day  int    `json:"Day"`
			Time string `json:"Time"`
		}{s.Monthly.Day, s.Monthly.At.wire()}
	case s.ExactlyOnce != nil:
		w.ExactlyOnce = &struct {
			Time string `json:"Time"`
		}{s.ExactlyOnce.UTC().Format(time.RFC3339)}
	default:
		w.Immediate = &yes
	}
	return w
}

// UnmarshalJSON reads Keyfactor's object (Weekly days as numbers or names).
func (s *Schedule) UnmarshalJSON(b []byte) error {
	var w scheduleWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Schedule{}
	switch {
	case w.Off != nil && *w.Off:
		s.Off = true
	case w.Immediate != nil && *w.Immediate:
		s.Immediate = true
	case w.Interval != nil:
		s.Interval = time.Duration(w.Interval.Minutes) * time.Minute
	case w.Daily != nil:
		t := timeOfDay(w.Daily.Time)
		s.Daily = &t
	case w.Weekly != nil:
		s.Weekly = &WeeklySchedule{At: timeOfDay(w.Weekly.Time)}
		for _, d := range w.Weekly.Days {
			s.Weekly.Days = append(s.Weekly.Days, time.Weekday(d))
		}
	case w.Monthly != nil:
		s.Monthly = &MonthlySchedule{Day: w.Monthly.Day, At: timeOfDay(w.Monthly.Time)}
	case w.ExactlyOnce != nil:
		if t, err := parseTime(w.ExactlyOnce.Time); err == nil {
			s.ExactlyOnce = &t
		}
	}
	return nil
}

func (s *Schedule) check(v *validator, field string) {
	set := 0
	for _, b := range []bool{s.Immediate, s.Interval > 0, s.Daily != nil, s.Weekly != nil, s.Monthly != nil, s.ExactlyOnce != nil, s.Off} {
		if b {
			set++
		}
	}
	if set > 1 {
		v.add(field, "set one kind of schedule")
	}
	if s.Interval != 0 && (s.Interval < time.Minute || s.Interval%time.Minute != 0) {
		v.addf(field+".Interval", "%v is not a whole number of minutes", s.Interval)
	}
	checkAt := func(f string, t TimeOfDay) {
		if t.Hour < 0 || t.Hour > 23 || t.Minute < 0 || t.Minute > 59 {
			v.addf(field+f, "%02d:%02d is not a time of day", t.Hour, t.Minute)
		}
	}
	if s.Daily != nil {
		checkAt(".Daily", *s.Daily)
	}
	if s.Weekly != nil {
		checkAt(".Weekly.At", s.Weekly.At)
		if len(s.Weekly.Days) == 0 {
			v.add(field+".Weekly.Days", "name at least one day")
		}
	}
	if s.Monthly != nil {
		checkAt(".Monthly.At", s.Monthly.At)
		if s.Monthly.Day < 1 || s.Monthly.Day > 31 {
			v.addf(field+".Monthly.Day", "%d is not a day of the month", s.Monthly.Day)
		}
	}
}

// CertificateStore is a certificate store Command manages through an
// orchestrator.
type CertificateStore struct {
	ID                        string // a GUID
	ContainerID               *int
	ClientMachine, StorePath  string
	StoreType                 int
	AgentID                   string
	Approved, CreateIfMissing bool
	Properties                map[string]string
	// Secrets are the store's secret properties (ServerUsername,
	// ServerPassword, ...) and "StorePassword", the store's own password.
	// Reads say which are set, never their values.
	Secrets                    map[string]Secret
	InventorySchedule          *Schedule
	DisplayName, ContainerName string
}

// CreateStoreRequest is a store to create; it is also the desired state
// Plan and Apply compare with.
type CreateStoreRequest struct {
	ContainerID              *int
	ClientMachine, StorePath string
	StoreType                int
	AgentID                  string
	CreateIfMissing          bool
	Properties               map[string]string
	Secrets                  map[string]Secret
	InventorySchedule        *Schedule
}

// UpdateStoreRequest replaces a store (a full replace: Apply changes part).
type UpdateStoreRequest struct {
	ID string
	CreateStoreRequest
}

// StorePlan is what Apply does, or would do, for one store.
type StorePlan struct {
	Action  Action
	Current *CertificateStore
	Changes []Change
}

// ListStoresOptions selects and orders the stores List returns.
type ListStoresOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

// storePassword is the Secrets key of a store's own password.
const storePassword = "StorePassword"

// secretWire is Keyfactor's secret object, as a request sends it.
type secretWire struct {
	SecretValue string `json:"SecretValue"`
}

// storeWire is a store as Keyfactor spells it: Storepath with a lower-case
// p, Properties a JSON-encoded string.
type storeWire struct {
	ID                string          `json:"Id,omitempty"`
	ContainerID       *int            `json:"ContainerId,omitempty"`
	DisplayName       string          `json:"DisplayName,omitempty"`
	ClientMachine     string          `json:"ClientMachine,omitempty"`
	Storepath         string          `json:"Storepath,omitempty"`
	CertStoreType     int             `json:"CertStoreType"`
	Approved          bool            `json:"Approved,omitempty"`
	CreateIfMissing   bool            `json:"CreateIfMissing"`
	Properties        string          `json:"Properties"`
	AgentID           string          `json:"AgentId,omitempty"`
	AgentAssigned     bool            `json:"AgentAssigned,omitempty"` // sent with AgentId: the store has an orchestrator
	ContainerName     string          `json:"ContainerName,omitempty"`
	InventorySchedule *Schedule       `json:"InventorySchedule,omitempty"`
	Password          json.RawMessage `json:"Password,omitempty"`
}

// encodeProperties writes properties and secrets as the JSON string
// Keyfactor takes: every value a string, a secret as
// {"value": {"SecretValue": ...}}.
func encodeProperties(props map[string]string, secrets map[string]Secret) string {
	m := map[string]any{}
	for k, v := range props {
		m[k] = v
	}
	for k, s := range secrets {
		if k != storePassword && s.IsSet() {
			m[k] = map[string]any{"value": secretWire{s.Value()}}
		}
	}
	b, _ := json.Marshal(m) // strings and maps of strings always encode
	return string(b)
}

// decodeProperties reads the JSON string: plain values (numbers and
// booleans as their text), and secret objects, whose values reads never
// carry, as set secrets.
func decodeProperties(s string) (map[string]string, map[string]Secret) {
	props, secrets := map[string]string{}, map[string]Secret{}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &m) != nil {
		return props, secrets
	}
	for k, raw := range m {
		var str string
		switch {
		case string(raw) == "null": // not set: absent, not ""
		case json.Unmarshal(raw, &str) == nil:
			props[k] = str
		case len(raw) > 0 && raw[0] == '{':
			secrets[k] = Secret{v: new(string)} // set; the value stays on the server
		default: // a number or boolean: its text, as it is sent back
			props[k] = string(raw)
		}
	}
	return props, secrets
}

func (w *storeWire) store() CertificateStore {
	st := CertificateStore{ID: w.ID, ContainerID: w.ContainerID, ClientMachine: w.ClientMachine, StorePath: w.Storepath,
		StoreType: w.CertStoreType, AgentID: w.AgentID, Approved: w.Approved, CreateIfMissing: w.CreateIfMissing,
		InventorySchedule: w.InventorySchedule, DisplayName: w.DisplayName, ContainerName: w.ContainerName}
	st.Properties, st.Secrets = decodeProperties(w.Properties)
	var pw struct {
		HasValue bool `json:"HasValue"`
	}
	if json.Unmarshal(w.Password, &pw) == nil && pw.HasValue {
		st.Secrets[storePassword] = Secret{v: new(string)}
	}
	return st
}

func (r *CreateStoreRequest) wire() storeWire {
	w := storeWire{ContainerID: r.ContainerID, ClientMachine: r.ClientMachine, Storepath: r.StorePath, CertStoreType: r.StoreType,
		CreateIfMissing: r.CreateIfMissing, Properties: encodeProperties(r.Properties, r.Secrets), AgentID: r.AgentID,
		AgentAssigned: r.AgentID != "", InventorySchedule: r.InventorySchedule}
	if pw, ok := r.Secrets[storePassword]; ok && pw.IsSet() {
		w.Password, _ = json.Marshal(secretWire{pw.Value()})
	}
	return w
}

// secretValues lists the secret values a request carries, for the
// pipeline to keep out of dry runs and errors.
func (r *CreateStoreRequest) secretValues() []string {
	var out []string
	for _, s := range r.Secrets {
		if s.Value() != "" {
			out = append(out, s.Value())
		}
	}
	return out
}

func (r *CreateStoreRequest) check(v *validator) {
	v.notBlank("ClientMachine", r.ClientMachine)
	v.notBlank("StorePath", r.StorePath)
	v.notNegative("StoreType", r.StoreType)
	checkOptionalGUID(v, "AgentID", r.AgentID)
	for k := range r.Properties {
		if _, dup := r.Secrets[k]; dup {
			v.addf("Properties["+strconv.Quote(k)+"]", "%q is also a secret: name it in one of Properties and Secrets", k)
		}
	}
	if r.InventorySchedule != nil {
		r.InventorySchedule.check(v, "InventorySchedule")
	}
}

func storePath(id string) string { return "CertificateStores/" + url.PathEscape(id) }

// List returns every store a query matches, page after page (GET
// /CertificateStores).
func (s *StoresService) List(ctx context.Context, opts ListStoresOptions) iter.Seq2[CertificateStore, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "Stores.List", "CertificateStores", q, func(w *storeWire) string { return strings.ToLower(w.ID) },
		(*storeWire).store)
}

// Get returns a store (GET /CertificateStores/{id}).
func (s *StoresService) Get(ctx context.Context, id string) (*CertificateStore, error) {
	v := newValidator("Stores.Get")
	checkGUID(v, "id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

func (s *StoresService) get(ctx context.Context, id string) (*CertificateStore, error) {
	var w storeWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: storePath(id), version: v1}, &w); err != nil {
		return nil, err
	}
	st := w.store()
	return &st, nil
}

// GetByPath returns the store of a store type at a client machine's path:
// a store's identity. Client machines compare ignoring case (host names),
// paths exactly. None is ErrNotFound; several, an error naming their ids.
func (s *StoresService) GetByPath(ctx context.Context, clientMachine, storePath string, storeType int) (*CertificateStore, error) {
	const op = "Stores.GetByPath"
	v := newValidator(op)
	v.notBlank("clientMachine", clientMachine)
	v.notBlank("storePath", storePath)
	v.notNegative("storeType", storeType)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.byPath(ctx, op, clientMachine, storePath, storeType)
}

func (s *StoresService) byPath(ctx context.Context, op, clientMachine, path string, storeType int) (*CertificateStore, error) {
	list := s.List(ctx, ListStoresOptions{Query: eqQuery("ClientMachine", clientMachine), PageSize: MaxPageSize})
	found, err := sameName(list, clientMachine, func(st *CertificateStore) (string, string) { return strings.ToLower(st.ID), st.ClientMachine })
	if err != nil {
		return nil, err
	}
	found = slices.DeleteFunc(found, func(st CertificateStore) bool { return st.StorePath != path || st.StoreType != storeType })
	switch len(found) {
	case 0:
		return nil, errorf("%s: no store of type %d is at %s %q: %w", op, storeType, clientMachine, path, ErrNotFound)
	case 1:
		return &found[0], nil
	}
	ids := make([]string, len(found))
	for i, st := range found {
		ids[i] = st.ID
	}
	return nil, errorf("%s: %d stores of type %d are at %s %q (ids %s)", op, len(found), storeType, clientMachine, path, strings.Join(ids, ", "))
}

// Create creates a store (POST /CertificateStores). A lost answer is
// reconciled by the store's identity (client machine, path, type), never
// sent twice.
func (s *StoresService) Create(ctx context.Context, req CreateStoreRequest) (*CertificateStore, error) {
	return s.create(ctx, "Stores.Create", req)
}

func (s *StoresService) create(ctx context.Context, op string, req CreateStoreRequest) (*CertificateStore, error) {
	v := newValidator(op)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return writeOnce(ctx, s.c, "store", call{method: http.MethodPost, path: "CertificateStores", version: v1, body: req.wire(),
		secrets: req.secretValues()},
		func(w *storeWire) *CertificateStore { st := w.store(); return &st },
		func() (*CertificateStore, error) {
			return s.byPath(ctx, op, req.ClientMachine, req.StorePath, req.StoreType)
		},
		func(found *CertificateStore) bool { return len(storeChanges(found, req)) == 0 })
}

// Update replaces a store (PUT /CertificateStores, the id in the body): a
// full replace, secrets included; Apply changes part. Its PUT is never
// sent twice once it may have reached the server: the store is read back
// instead, and returned when it holds what was sent.
func (s *StoresService) Update(ctx context.Context, req UpdateStoreRequest) (*CertificateStore, error) {
	const op = "Stores.Update"
	v := newValidator(op)
	checkGUID(v, "ID", req.ID)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, req)
}

func (s *StoresService) update(ctx context.Context, req UpdateStoreRequest) (*CertificateStore, error) {
	body := req.wire()
	body.ID = req.ID
	return writeOnce(ctx, s.c, "store", call{method: http.MethodPut, path: "CertificateStores", version: v1, body: body,
		repeat: notIdempotent, secrets: req.secretValues()},
		func(w *storeWire) *CertificateStore { st := w.store(); return &st },
		func() (*CertificateStore, error) { return s.get(ctx, req.ID) },
		func(found *CertificateStore) bool { return len(storeChanges(found, req.CreateStoreRequest)) == 0 })
}

// Delete deletes a store (DELETE /CertificateStores/{id}); a 404 after a
// lost answer is success.
func (s *StoresService) Delete(ctx context.Context, id string) error {
	v := newValidator("Stores.Delete")
	checkGUID(v, "id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.deleteIdempotent(ctx, storePath(id), nil, v1, "store")
}

// Plan compares a desired store with the one at its client machine, path
// and type, and says what Apply would do. Secrets compare by presence: a
// desired secret the server lacks is a change ("secret changed", never its
// value); one the server holds is left alone (Update rewrites it).
func (s *StoresService) Plan(ctx context.Context, desired CreateStoreRequest) (*StorePlan, error) {
	return s.plan(ctx, "Stores.Plan", desired)
}

func (s *StoresService) plan(ctx context.Context, op string, desired CreateStoreRequest) (*StorePlan, error) {
	v := newValidator(op)
	desired.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	action, current, changes, err := planNamed(
		func() (*CertificateStore, error) {
			return s.byPath(ctx, op, desired.ClientMachine, desired.StorePath, desired.StoreType)
		},
		func(cur *CertificateStore) []Change { return storeChanges(cur, desired) })
	if err != nil {
		return nil, err
	}
	return &StorePlan{Action: action, Current: current, Changes: changes}, nil
}

// Apply makes the server hold the desired store: create, update (a full
// replace that keeps the secrets the server already holds and the desired
// set does not change) or nothing. A second Apply makes no write.
func (s *StoresService) Apply(ctx context.Context, desired CreateStoreRequest) (*StorePlan, *CertificateStore, error) {
	const op = "Stores.Apply"
	p, err := s.plan(ctx, op, desired)
	if err != nil {
		return nil, nil, err
	}
	st, err := applyPlanned(p.Action, p.Current,
		func() (*CertificateStore, error) { return s.create(ctx, op, desired) },
		func(cur *CertificateStore) (*CertificateStore, error) {
			return s.update(ctx, UpdateStoreRequest{ID: cur.ID, CreateStoreRequest: desired})
		})
	return p, st, err
}

// storeChanges lists how a stored store differs from a desired one;
// secrets by presence only.
func storeChanges(cur *CertificateStore, d CreateStoreRequest) []Change {
	var out []Change
	diff := func(field string, old, new any) {
		if fmt.Sprint(old) != fmt.Sprint(new) {
			out = append(out, Change{Field: field, Old: old, New: new})
		}
	}
	diff("AgentID", strings.ToLower(cur.AgentID), strings.ToLower(d.AgentID))
	diff("CreateIfMissing", cur.CreateIfMissing, d.CreateIfMissing)
	if d.ContainerID != nil && (cur.ContainerID == nil || *cur.ContainerID != *d.ContainerID) {
		old := 0
		if cur.ContainerID != nil {
			old = *cur.ContainerID
		}
		diff("ContainerID", old, *d.ContainerID)
	}
	for _, k := range slices.Sorted(maps.Keys(d.Properties)) {
		if cur.Properties[k] != d.Properties[k] {
			out = append(out, Change{Field: "Properties[" + strconv.Quote(k) + "]", Old: cur.Properties[k], New: d.Properties[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Secrets)) {
		if d.Secrets[k].IsSet() && !cur.Secrets[k].IsSet() {
			out = append(out, Change{Field: "Secrets[" + strconv.Quote(k) + "]", Old: "", New: "secret changed"})
		}
	}
	if d.InventorySchedule != nil && (cur.InventorySchedule == nil || scheduleText(*cur.InventorySchedule) != scheduleText(*d.InventorySchedule)) {
		old := ""
		if cur.InventorySchedule != nil {
			old = scheduleText(*cur.InventorySchedule)
		}
		diff("InventorySchedule", old, scheduleText(*d.InventorySchedule))
	}
	return out
}

func scheduleText(s Schedule) string {
	b, _ := json.Marshal(s.wire())
	return string(b)
}

// InventoryItem is one entry (an alias) of a store's inventory.
type InventoryItem struct {
	Alias        string
	Certificates []InventoryCertificate
	Parameters   map[string]string
}

// InventoryCertificate is a certificate an inventory found.
type InventoryCertificate struct {
	ID                                           int
	Thumbprint, SerialNumber, IssuedDN, IssuerDN string
	NotBefore, NotAfter                          time.Time
}

type inventoryWire struct {
	Name         string `json:"Name"`
	Certificates []struct {
		ID           int      `json:"Id"`
		Thumbprint   string   `json:"Thumbprint"`
		SerialNumber string   `json:"SerialNumber"`
		IssuedDN     string   `json:"IssuedDN"`
		IssuerDN     string   `json:"IssuerDN"`
		NotBefore    wireTime `json:"NotBefore"`
		NotAfter     wireTime `json:"NotAfter"`
	} `json:"Certificates"`
	Parameters map[string]flexString `json:"Parameters"`
}

func (w *inventoryWire) item() InventoryItem {
	it := InventoryItem{Alias: w.Name, Parameters: map[string]string{}}
	for k, v := range w.Parameters {
		it.Parameters[k] = string(v)
	}
	for _, c := range w.Certificates {
		it.Certificates = append(it.Certificates, InventoryCertificate{ID: c.ID, Thumbprint: c.Thumbprint, SerialNumber: c.SerialNumber,
			IssuedDN: c.IssuedDN, IssuerDN: c.IssuerDN, NotBefore: c.NotBefore.t, NotAfter: c.NotAfter.t})
	}
	return it
}

// Inventory returns what a store's last inventory found, page after page
// (GET /CertificateStores/{id}/Inventory). It changes only when an
// orchestrator has run a job (ScheduleInventory, Jobs.Wait).
func (s *StoresService) Inventory(ctx context.Context, id string) iter.Seq2[InventoryItem, error] {
	v := newValidator("Stores.Inventory")
	checkGUID(v, "id", id)
	if err := v.err(); err != nil {
		return failed[InventoryItem](err)
	}
	newCall := func() (call, *pageQuery) {
		q := newPageQuery("", MaxPageSize, "", false)
		return call{method: http.MethodGet, path: storePath(id) + "/Inventory", version: v1, query: &q}, &q
	}
	return paginate(ctx, s.c, newCall, func(w *inventoryWire) string { return w.Name }, (*inventoryWire).item)
}

// ScheduleInventory schedules inventory jobs for stores (POST
// /CertificateStores/Schedule); the zero Schedule is Immediate. It only
// schedules: the inventory changes when the orchestrator has run.
func (s *StoresService) ScheduleInventory(ctx context.Context, ids []string, when Schedule) error {
	v := newValidator("Stores.ScheduleInventory")
	if len(ids) == 0 {
		v.add("ids", "name at least one store")
	}
	for i, id := range ids {
		checkGUID(v, "ids["+strconv.Itoa(i)+"]", id)
	}
	when.check(v, "when")
	if err := v.err(); err != nil {
		return err
	}
	body := struct {
		StoreIDs []string `json:"StoreIds"`
		Schedule Schedule `json:"Schedule"`
	}{ids, when}
	// Sent again after a lost answer: it sets the stores' inventory
	// schedule, and setting it twice leaves the same schedule (unlike
	// Certificates/Add, whose second POST schedules second jobs).
	return s.c.do(ctx, call{method: http.MethodPost, path: "CertificateStores/Schedule", version: v1, body: body, repeat: idempotent}, nil)
}
