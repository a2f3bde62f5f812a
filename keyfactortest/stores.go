package keyfactortest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Delivery: certificate stores, store types, orchestrators (agents) and
// the jobs they run. A store change is a job: it is scheduled, and an
// orchestrator runs it later — once JobDelay has passed since it was
// scheduled (checked at each request), or when a test calls RunJobs —
// succeeding and updating the store's inventory, or failing with the
// message FailStoreJobs set.

// Store is a certificate store. Properties are plain values; Secrets are
// secret properties (and "StorePassword"), whose values reads never show.
type Store struct {
	ID                       string // a GUID; assigned when empty
	ContainerID              int
	ClientMachine, StorePath string
	StoreType                int
	AgentID                  string
	CreateIfMissing          bool
	Properties               map[string]string
	Secrets                  map[string]string
	// Inventory maps an alias to the id of the certificate the store holds
	// under it.
	Inventory map[string]int
}

// StoreType is a kind of certificate store.
type StoreType struct {
	ID                          int
	Name, ShortName, Capability string
	// def is the definition a client created or replaced the type with,
	// answered back as sent (supported operations, properties, ...).
	def map[string]any
}

// Agent is an orchestrator.
type Agent struct {
	ID                               string // a GUID; assigned when empty
	ClientMachine, Username, Version string
	Approved                         bool
}

// job is an orchestrator job: scheduled, then run.
type job struct {
	id         string
	storeID    string
	kind       string // "Management" or "Inventory"
	add        bool
	certID     int
	alias      string
	replaceOld int // a replacement: the certificate the alias held
	requested  time.Time
	ran        bool
	historyID  int64
	result     int // 2 success, 4 failure
	status     int // 3 completed, 4 acknowledged
	message    string
	started    time.Time
	ended      time.Time
}

// WithJobDelay makes the orchestrator run each job d after it was
// scheduled (checked at each request). Without it jobs run at the next
// request; a negative d holds them until RunJobs.
func WithJobDelay(d time.Duration) Option {
	return func(s *Server) { s.jobDelay = d }
}

// AddStore adds or replaces a store and returns its id.
func (s *Server) AddStore(st Store) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.ID == "" {
		s.nextGUID++
		st.ID = fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", s.nextGUID)
	}
	st.Properties, st.Secrets, st.Inventory = maps.Clone(st.Properties), maps.Clone(st.Secrets), maps.Clone(st.Inventory)
	if st.Inventory == nil {
		st.Inventory = map[string]int{}
	}
	s.stores[strings.ToLower(st.ID)] = &st
	return st.ID
}

// Store returns a copy of a store; ok is false for an unknown id.
func (s *Server) Store(id string) (Store, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stores[strings.ToLower(id)]
	if st == nil {
		return Store{}, false
	}
	c := *st
	c.Properties, c.Secrets, c.Inventory = maps.Clone(st.Properties), maps.Clone(st.Secrets), maps.Clone(st.Inventory)
	return c, true
}

// AddStoreType adds or replaces a store type.
func (s *Server) AddStoreType(t StoreType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeTypes[t.ID] = &t
}

// AddAgent adds or replaces an orchestrator and returns its id.
func (s *Server) AddAgent(a Agent) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		s.nextGUID++
		a.ID = fmt.Sprintf("0a9e0000-0000-4000-8000-%012d", s.nextGUID)
	}
	s.agents[strings.ToLower(a.ID)] = &a
	return a.ID
}

// FailStoreJobs makes every job on a store fail with message ("" makes
// them succeed again).
func (s *Server) FailStoreJobs(storeID, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if message == "" {
		delete(s.failingStores, strings.ToLower(storeID))
		return
	}
	s.failingStores[strings.ToLower(storeID)] = message
}

// RunJobs runs every scheduled job now, as the orchestrator would, and
// returns how many ran.
func (s *Server) RunJobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runJobs(true)
}

// runJobs runs the jobs that are due (all with force). It runs under s.mu.
func (s *Server) runJobs(force bool) int {
	ran := 0
	now := time.Now().UTC()
	for _, j := range s.jobs {
		if j.ran || !force && (s.jobDelay < 0 || now.Before(j.requested.Add(s.jobDelay))) {
			continue
		}
		j.ran, j.started, j.ended, j.status = true, now, now, 3
		s.nextJobHistoryID++
		j.historyID = s.nextJobHistoryID
		st := s.stores[strings.ToLower(j.storeID)]
		switch msg, failing := s.failingStores[strings.ToLower(j.storeID)]; {
		case st == nil:
			j.result, j.message = 4, "The certificate store no longer exists."
		case failing:
			j.result, j.message = 4, msg
		default:
			j.result, j.message = 2, ""
			if j.kind == "Management" {
				switch {
				case !j.add:
					delete(st.Inventory, j.alias)
				case j.replaceOld != 0:
					for alias, id := range st.Inventory {
						if id == j.replaceOld {
							st.Inventory[alias] = j.certID
						}
					}
				default:
					st.Inventory[j.alias] = j.certID
				}
			}
		}
		ran++
	}
	return ran
}

// schedule records a job on a store. It runs under s.mu.
func (s *Server) schedule(j *job) string {
	s.nextGUID++
	j.id = fmt.Sprintf("5c4e0000-0000-4000-8000-%012d", s.nextGUID)
	j.requested = time.Now().UTC()
	s.jobs = append(s.jobs, j)
	return j.id
}

// storeOut is a store as the API answers: Storepath with a lower-case p,
// Properties a JSON string, secrets as objects without their values.
type storeOut struct {
	ID                string          `json:"Id"`
	ContainerID       *int            `json:"ContainerId"`
	DisplayName       string          `json:"DisplayName"`
	ClientMachine     string          `json:"ClientMachine"`
	Storepath         string          `json:"Storepath"`
	CertStoreType     int             `json:"CertStoreType"`
	Approved          bool            `json:"Approved"`
	CreateIfMissing   bool            `json:"CreateIfMissing"`
	Properties        string          `json:"Properties"`
	AgentID           string          `json:"AgentId"`
	AgentAssigned     bool            `json:"AgentAssigned"`
	ContainerName     *string         `json:"ContainerName"`
	InventorySchedule json.RawMessage `json:"InventorySchedule"`
	Password          map[string]any  `json:"Password"`
}

func (s *Server) storeOut(st *Store) storeOut {
	props := map[string]any{}
	for k, v := range st.Properties {
		props[k] = v
	}
	for k := range st.Secrets {
		if k != "StorePassword" {
			props[k] = map[string]any{"value": map[string]any{"Provider": nil, "Parameters": map[string]string{}}}
		}
	}
	b, _ := json.Marshal(props)
	out := storeOut{ID: st.ID, DisplayName: st.ClientMachine + " " + st.StorePath, ClientMachine: st.ClientMachine,
		Storepath: st.StorePath, CertStoreType: st.StoreType, Approved: true, CreateIfMissing: st.CreateIfMissing,
		Properties: string(b), AgentID: st.AgentID, AgentAssigned: st.AgentID != "", InventorySchedule: json.RawMessage("null"),
		Password: map[string]any{"HasValue": st.Secrets["StorePassword"] != ""}}
	if st.ContainerID > 0 {
		id := st.ContainerID
		out.ContainerID = &id
	}
	return out
}

// storeIn is the body of a store create or update.
type storeIn struct {
	ID                *string         `json:"Id"`
	ContainerID       *int            `json:"ContainerId"`
	ClientMachine     string          `json:"ClientMachine"`
	Storepath         string          `json:"Storepath"`
	CertStoreType     int             `json:"CertStoreType"`
	CreateIfMissing   bool            `json:"CreateIfMissing"`
	Properties        string          `json:"Properties"`
	AgentID           string          `json:"AgentId"`
	AgentAssigned     bool            `json:"AgentAssigned"`
	InventorySchedule json.RawMessage `json:"InventorySchedule"`
	Password          *struct {
		SecretValue *string           `json:"SecretValue"`
		Parameters  map[string]string `json:"Parameters"`
		Provider    *int              `json:"Provider"`
	} `json:"Password"`
}

// storeFromIn reads a store body; the Properties string must hold string
// values or secret objects, as Command requires.
func storeFromIn(in storeIn, st *Store) string {
	var props map[string]json.RawMessage
	if in.Properties != "" {
		if err := json.Unmarshal([]byte(in.Properties), &props); err != nil {
			return "Properties must be a JSON object in a string."
		}
	}
	st.ClientMachine, st.StorePath, st.StoreType, st.AgentID, st.CreateIfMissing = in.ClientMachine, in.Storepath, in.CertStoreType,
		in.AgentID, in.CreateIfMissing
	if in.ContainerID != nil {
		st.ContainerID = *in.ContainerID
	}
	st.Properties = map[string]string{}
	secrets := map[string]string{}
	for k, raw := range props {
		var v string
		if json.Unmarshal(raw, &v) == nil {
			st.Properties[k] = v
			continue
		}
		var sec struct {
			Value struct {
				SecretValue *string `json:"SecretValue"`
			} `json:"value"`
		}
		if json.Unmarshal(raw, &sec) != nil || sec.Value.SecretValue == nil {
			return fmt.Sprintf("The property '%s' must be a string, or a secret {\"value\": {\"SecretValue\": ...}}.", k)
		}
		secrets[k] = *sec.Value.SecretValue
	}
	if in.Password != nil && in.Password.SecretValue != nil {
		secrets["StorePassword"] = *in.Password.SecretValue
	} else if old, ok := st.Secrets["StorePassword"]; ok {
		secrets["StorePassword"] = old // a password not sent is kept
	}
	st.Secrets = secrets
	return ""
}

// serveDelivery routes stores, store types, agents, jobs and replacement.
// It reports whether it served the request.
func (s *Server) serveDelivery(c *reqCtx, seg []string) bool {
	if len(seg) == 0 || !slices.ContainsFunc([]string{"CertificateStores", "CertificateStoreTypes", "Agents", "OrchestratorJobs", "Enrollment"},
		func(p string) bool { return strings.EqualFold(seg[0], p) }) {
		return false
	}
	s.runJobs(false) // the orchestrator has been at work since the last request
	m := c.r.Method
	is := func(i int, name string) bool { return len(seg) > i && strings.EqualFold(seg[i], name) }
	read, write := perm{path: "/certificate_stores/read/"}, perm{path: "/certificate_stores/modify/"}
	schedule := perm{path: "/certificate_stores/schedule/"}
	agents := perm{path: "/agents/management/read/"}
	switch {
	case len(seg) == 3 && is(0, "Enrollment") && is(1, "PFX") && is(2, "Replace") && m == http.MethodPost:
		if c.require(schedule, "schedule certificate store jobs") {
			s.replace(c)
		}
	case is(0, "Enrollment"):
		return false
	case len(seg) == 1 && is(0, "CertificateStores") && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"Id", "ClientMachine"}, []string{"ClientMachine", "StorePath", "Storepath"})
		if !ok || !c.require(read, "read certificate stores") {
			return true
		}
		var found []*Store
		for _, st := range s.sortedStores() {
			if matches(lr.clauses, func(f string) string {
				if f == "ClientMachine" {
					return st.ClientMachine
				}
				return st.StorePath
			}) {
				found = append(found, st)
			}
		}
		writePage(c, lr.paging, found, func(st *Store) storeOut { return s.storeOut(st) })
	case len(seg) == 1 && is(0, "CertificateStores") && (m == http.MethodPost || m == http.MethodPut):
		if !c.require(write, "modify certificate stores") {
			return true
		}
		var in storeIn
		if !c.decode(&in) {
			return true
		}
		st := &Store{Inventory: map[string]int{}}
		if m == http.MethodPut {
			if in.ID == nil || s.stores[strings.ToLower(*in.ID)] == nil {
				writeError(c.w, http.StatusNotFound, codeNotFound, "The certificate store was not found.")
				return true
			}
			old := s.stores[strings.ToLower(*in.ID)]
			st = &Store{ID: old.ID, Inventory: old.Inventory, Secrets: old.Secrets}
			// Update cannot move a store: its identity stays.
			in.ClientMachine, in.Storepath, in.CertStoreType = old.ClientMachine, old.StorePath, old.StoreType
		}
		if msg := storeFromIn(in, st); msg != "" {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, msg)
			return true
		}
		if m == http.MethodPost {
			for _, other := range s.stores {
				if strings.EqualFold(other.ClientMachine, st.ClientMachine) && other.StorePath == st.StorePath && other.StoreType == st.StoreType {
					writeError(c.w, http.StatusBadRequest, codeBadRequest, "A certificate store already exists at that client machine and path.")
					return true
				}
			}
			s.nextGUID++
			st.ID = fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", s.nextGUID)
		}
		s.stores[strings.ToLower(st.ID)] = st
		writeJSON(c.w, http.StatusOK, s.storeOut(st))
	case len(seg) == 2 && is(0, "CertificateStores") && is(1, "Schedule") && m == http.MethodPost:
		var in struct {
			StoreIDs []string        `json:"StoreIds"`
			Schedule json.RawMessage `json:"Schedule"`
		}
		if !c.require(schedule, "schedule certificate store jobs") {
			return true
		}
		if err := decodeStrict(c.body, &in); err != nil || len(in.StoreIDs) == 0 || len(in.Schedule) == 0 {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, "StoreIds and Schedule are required.")
			return true
		}
		for _, id := range in.StoreIDs {
			s.schedule(&job{storeID: id, kind: "Inventory"})
		}
		c.w.WriteHeader(http.StatusNoContent)
	case len(seg) == 3 && is(0, "CertificateStores") && is(1, "Certificates") && m == http.MethodPost:
		if c.require(schedule, "schedule certificate store jobs") {
			s.storeCertificates(c, is(2, "Add"))
		}
	case len(seg) == 2 && is(0, "CertificateStores") && (m == http.MethodGet || m == http.MethodDelete):
		st := s.stores[strings.ToLower(seg[1])]
		switch {
		case m == http.MethodGet && !c.require(read, "read certificate stores"), m == http.MethodDelete && !c.require(write, "modify certificate stores"):
		case st == nil:
			writeError(c.w, http.StatusNotFound, codeNotFound, "The certificate store "+seg[1]+" was not found.")
		case m == http.MethodGet:
			writeJSON(c.w, http.StatusOK, s.storeOut(st))
		default:
			delete(s.stores, strings.ToLower(seg[1]))
			c.w.WriteHeader(http.StatusNoContent)
		}
	case len(seg) == 3 && is(0, "CertificateStores") && is(2, "Inventory") && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"Name"}, nil)
		if !ok || !c.require(read, "read certificate stores") {
			return true
		}
		st := s.stores[strings.ToLower(seg[1])]
		if st == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, "The certificate store "+seg[1]+" was not found.")
			return true
		}
		aliases := slices.Sorted(maps.Keys(st.Inventory))
		writePage(c, lr.paging, aliases, func(alias string) map[string]any {
			certs := []map[string]any{}
			if cert := s.certs[st.Inventory[alias]]; cert != nil {
				certs = append(certs, map[string]any{"Id": cert.ID, "IssuedDN": cert.IssuedDN, "SerialNumber": cert.SerialNumber,
					"NotBefore": cert.NotBefore.UTC().Format("2006-01-02T15:04:05"), "NotAfter": cert.NotAfter.UTC().Format("2006-01-02T15:04:05"),
					"SigningAlgorithm": "ECDSA-SHA256", "IssuerDN": cert.IssuerDN, "Thumbprint": cert.Thumbprint, "CertStoreInventoryItemId": cert.ID,
					"CertState": 1, "Metadata": map[string]string{}})
			}
			return map[string]any{"Name": alias, "Certificates": certs, "Parameters": map[string]string{}, "CertStoreId": st.ID}
		})
	case is(0, "CertificateStoreTypes") && m == http.MethodGet:
		if c.require(read, "read certificate store types") {
			s.serveStoreTypes(c, seg)
		}
	case is(0, "CertificateStoreTypes"):
		if c.require(write, "modify certificate store types") {
			s.serveStoreTypes(c, seg)
		}
	case is(0, "Agents") && m == http.MethodGet:
		if c.require(agents, "read orchestrators") {
			s.serveAgents(c, seg)
		}
	case is(0, "Agents"):
		if c.require(perm{path: "/agents/management/modify/"}, "manage orchestrators") {
			s.serveAgents(c, seg)
		}
	case len(seg) == 2 && is(0, "OrchestratorJobs") && is(1, "JobHistory") && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"JobHistoryId", "OperationStart"}, []string{"JobId", "Result", "Status", "JobType", "OperationStart", "Agent", "TargetPath"})
		if !ok || !c.require(agents, "read orchestrator jobs") {
			return true
		}
		var done []*job
		for _, j := range s.jobs {
			if j.ran && matches(lr.clauses, func(f string) string { return s.jobField(j, f) }) {
				done = append(done, j)
			}
		}
		writePage(c, lr.paging, done, func(j *job) map[string]any {
			machine, path := s.jobTarget(j)
			return map[string]any{"JobHistoryId": j.historyID, "AgentMachine": machine, "JobId": j.id, "Schedule": map[string]any{"Immediate": true},
				"JobType": j.kind, "OperationStart": j.started.Format(time.RFC3339), "OperationEnd": j.ended.Format(time.RFC3339),
				"Message": j.message, "Result": j.result, "Status": j.status, "StorePath": path, "ClientMachine": machine}
		})
	case len(seg) == 2 && is(0, "OrchestratorJobs") && is(1, "ScheduledJobs") && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"Requested"}, nil)
		if !ok || !c.require(agents, "read orchestrator jobs") {
			return true
		}
		var waiting []*job
		for _, j := range s.jobs {
			if !j.ran {
				waiting = append(waiting, j)
			}
		}
		writePage(c, lr.paging, waiting, func(j *job) map[string]any {
			machine, path := s.jobTarget(j)
			return map[string]any{"Id": j.id, "ClientMachine": machine, "Target": path, "Schedule": map[string]any{"Immediate": true},
				"Requested": j.requested.Format(time.RFC3339), "JobType": j.kind}
		})
	case len(seg) == 2 && is(0, "OrchestratorJobs") && is(1, "Acknowledge") && m == http.MethodPost:
		var in struct {
			JobAuditIDs []int64 `json:"JobAuditIds"`
			Query       *string `json:"Query"`
		}
		if !c.require(perm{path: "/agents/management/modify/"}, "acknowledge orchestrator jobs") {
			return true
		}
		if err := decodeStrict(c.body, &in); err != nil || (len(in.JobAuditIDs) > 0) == (in.Query != nil) {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, "Provide JobAuditIds or Query, not both.")
			return true
		}
		for _, j := range s.jobs {
			if slices.Contains(in.JobAuditIDs, j.historyID) && j.result != 2 {
				j.status = 4
			}
		}
		c.w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(c.w, "GET, POST, PUT, DELETE")
	}
	return true
}

// jobTarget is the client machine and path of a job's store ("" when the
// store is gone).
func (s *Server) jobTarget(j *job) (machine, path string) {
	if st := s.stores[strings.ToLower(j.storeID)]; st != nil {
		return st.ClientMachine, st.StorePath
	}
	return "", ""
}

func (s *Server) jobField(j *job, f string) string {
	switch f {
	case "JobId":
		return j.id
	case "Result":
		return strconv.Itoa(j.result)
	case "Status":
		return strconv.Itoa(j.status)
	case "JobType":
		return j.kind
	case "OperationStart":
		return j.started.Format(time.RFC3339)
	}
	machine, path := s.jobTarget(j)
	if f == "Agent" {
		return machine
	}
	return path
}

func (s *Server) sortedStores() []*Store {
	var all []*Store
	for _, st := range s.stores {
		all = append(all, st)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

// storeCertificates serves POST /CertificateStores/Certificates/Add and
// /Remove: one job per store, their ids the answer.
func (s *Server) storeCertificates(c *reqCtx, add bool) {
	var in struct {
		CertificateID     *int `json:"CertificateId"`
		CertificateStores []struct {
			CertificateStoreID string            `json:"CertificateStoreId"`
			Alias              *string           `json:"Alias"`
			JobFields          map[string]string `json:"JobFields"`
			Overwrite          bool              `json:"Overwrite"`
			EntryPassword      json.RawMessage   `json:"EntryPassword"`
			PfxPassword        *string           `json:"PfxPassword"`
			IncludePrivateKey  bool              `json:"IncludePrivateKey"`
		} `json:"CertificateStores"`
		Schedule     json.RawMessage `json:"Schedule"`
		CollectionID *int            `json:"CollectionId"`
	}
	if err := decodeStrict(c.body, &in); err != nil || len(in.CertificateStores) == 0 || len(in.Schedule) == 0 || add && in.CertificateID == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "CertificateStores, Schedule and (to add) CertificateId are required.")
		return
	}
	if add && s.certs[*in.CertificateID] == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", *in.CertificateID))
		return
	}
	ids := []string{}
	for _, t := range in.CertificateStores {
		if s.stores[strings.ToLower(t.CertificateStoreID)] == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, "The certificate store "+t.CertificateStoreID+" was not found.")
			return
		}
	}
	for _, t := range in.CertificateStores {
		j := &job{storeID: t.CertificateStoreID, kind: "Management", add: add}
		if in.CertificateID != nil {
			j.certID = *in.CertificateID
		}
		if t.Alias != nil {
			j.alias = *t.Alias
		}
		if j.alias == "" && add {
			j.alias = s.certs[j.certID].Thumbprint
		}
		ids = append(ids, s.schedule(j))
	}
	writeJSON(c.w, http.StatusOK, ids)
}

// replace serves POST /Enrollment/PFX/Replace: a job in every store that
// holds the existing certificate; the answer names the stores.
func (s *Server) replace(c *reqCtx) {
	var in struct {
		ExistingCertificateID *int    `json:"ExistingCertificateId"`
		CertificateID         *int    `json:"CertificateId"`
		RequestID             *int    `json:"RequestId"`
		Password              *string `json:"Password"`
		JobTime               *string `json:"JobTime"`
	}
	if err := decodeStrict(c.body, &in); err != nil || in.ExistingCertificateID == nil || (in.CertificateID == nil) == (in.RequestID == nil) {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "ExistingCertificateId and one of CertificateId and RequestId are required.")
		return
	}
	newID := 0
	if in.CertificateID != nil {
		newID = *in.CertificateID
	} else if r := s.enrollRequests[*in.RequestID]; r != nil {
		for _, cert := range s.certs {
			if cert.CertRequestID == r.id {
				newID = cert.ID
			}
		}
	}
	if s.certs[newID] == nil || s.certs[*in.ExistingCertificateID] == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, "Unable to locate the certificates to replace.")
		return
	}
	out := struct {
		SuccessfulStores []string `json:"SuccessfulStores"`
		FailedStores     []string `json:"FailedStores"`
	}{[]string{}, []string{}}
	for _, st := range s.sortedStores() {
		for alias, id := range st.Inventory {
			if id == *in.ExistingCertificateID {
				s.schedule(&job{storeID: st.ID, kind: "Management", add: true, certID: newID, alias: alias, replaceOld: id})
				out.SuccessfulStores = append(out.SuccessfulStores, st.ID)
				break
			}
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

// serveStoreTypes serves /CertificateStoreTypes.
func (s *Server) serveStoreTypes(c *reqCtx, seg []string) {
	m := c.r.Method
	out := func(t *StoreType) map[string]any {
		o := map[string]any{"LocalStore": false,
			"SupportedOperations": map[string]bool{"Add": true, "Create": false, "Discovery": false, "Enrollment": false, "Remove": true},
			"Properties":          []any{}, "EntryParameters": []any{}, "PasswordOptions": map[string]any{"EntrySupported": false, "StoreRequired": false, "Style": "Default"},
			"StorePathType": "", "StorePathValue": "", "PrivateKeyAllowed": 1, "ServerRequired": false, "PowerShell": false}
		maps.Copy(o, t.def)
		maps.Copy(o, map[string]any{"StoreType": t.ID, "Name": t.Name, "ShortName": t.ShortName, "Capability": t.Capability,
			"InventoryJobType": "00000000-0000-0000-0000-000000000000", "ImportType": t.ID})
		return o
	}
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"StoreType"}, nil)
		if !ok {
			return
		}
		ids := slices.Sorted(maps.Keys(s.storeTypes))
		writePage(c, lr.paging, ids, func(id int) map[string]any { return out(s.storeTypes[id]) })
	case len(seg) == 3 && strings.EqualFold(seg[1], "Name") && m == http.MethodGet:
		found := []map[string]any{}
		for _, id := range slices.Sorted(maps.Keys(s.storeTypes)) {
			if strings.EqualFold(s.storeTypes[id].ShortName, seg[2]) {
				found = append(found, out(s.storeTypes[id]))
			}
		}
		writeJSON(c.w, http.StatusOK, found)
	case len(seg) == 2 && (m == http.MethodGet || m == http.MethodDelete):
		id, _ := strconv.Atoi(seg[1])
		t := s.storeTypes[id]
		switch {
		case t == nil:
			writeError(c.w, http.StatusNotFound, codeNotFound, "The certificate store type "+seg[1]+" was not found.")
		case m == http.MethodGet:
			writeJSON(c.w, http.StatusOK, out(t))
		default:
			delete(s.storeTypes, id)
			c.w.WriteHeader(http.StatusNoContent)
		}
	case len(seg) == 1 && (m == http.MethodPost || m == http.MethodPut):
		var in map[string]any
		if err := json.Unmarshal(c.body, &in); err != nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, "The request body is not valid.")
			return
		}
		name, _ := in["Name"].(string)
		short, _ := in["ShortName"].(string)
		if name == "" || short == "" {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, "Name and ShortName are required.")
			return
		}
		capability, _ := in["Capability"].(string)
		t := &StoreType{Name: name, ShortName: short, Capability: capability, def: in}
		if m == http.MethodPut {
			id, _ := in["StoreType"].(float64)
			if s.storeTypes[int(id)] == nil {
				writeError(c.w, http.StatusNotFound, codeNotFound, "The certificate store type was not found.")
				return
			}
			t.ID = int(id)
		} else {
			t.ID = 102
			for s.storeTypes[t.ID] != nil {
				t.ID++
			}
		}
		s.storeTypes[t.ID] = t
		writeJSON(c.w, http.StatusOK, out(t))
	default:
		methodNotAllowed(c.w, "GET, POST, PUT, DELETE")
	}
}

// serveAgents serves /Agents.
func (s *Server) serveAgents(c *reqCtx, seg []string) {
	m := c.r.Method
	out := func(a *Agent) map[string]any {
		status := 1
		if a.Approved {
			status = 2
		}
		return map[string]any{"AgentId": a.ID, "ClientMachine": a.ClientMachine, "Username": a.Username, "AgentPlatform": 2,
			"Version": a.Version, "Status": status, "LastSeen": time.Now().UTC().Format(time.RFC3339), "Capabilities": []string{"CertStore"},
			"Blueprint": nil, "Thumbprint": "", "LastErrorCode": 0, "LastErrorMessage": nil}
	}
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"ClientMachine"}, []string{"ClientMachine"})
		if !ok {
			return
		}
		var all []*Agent
		for _, a := range s.agents {
			if matches(lr.clauses, func(string) string { return a.ClientMachine }) {
				all = append(all, a)
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
		writePage(c, lr.paging, all, out)
	case len(seg) == 2 && m == http.MethodGet:
		if a := s.agents[strings.ToLower(seg[1])]; a != nil {
			writeJSON(c.w, http.StatusOK, out(a))
		} else {
			writeError(c.w, http.StatusNotFound, codeNotFound, "The agent "+seg[1]+" was not found.")
		}
	case len(seg) == 2 && m == http.MethodPost && (strings.EqualFold(seg[1], "Approve") || strings.EqualFold(seg[1], "Disapprove")):
		var ids []string
		if err := decodeStrict(c.body, &ids); err != nil || len(ids) == 0 {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, "A list of agent ids is required.")
			return
		}
		for _, id := range ids {
			if a := s.agents[strings.ToLower(id)]; a != nil {
				a.Approved = strings.EqualFold(seg[1], "Approve")
			}
		}
		c.w.WriteHeader(http.StatusNoContent)
	case len(seg) == 3 && m == http.MethodPost && (strings.EqualFold(seg[2], "Reset") || strings.EqualFold(seg[2], "FetchLogs")):
		if s.agents[strings.ToLower(seg[1])] == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, "The agent "+seg[1]+" was not found.")
			return
		}
		c.w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(c.w, "GET, POST")
	}
}
