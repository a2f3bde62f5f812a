package keyfactor

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// StoreTarget is a store a certificate is added to or removed from.
type StoreTarget struct {
	StoreID   string
	Alias     string
	Overwrite bool
	JobFields map[string]string
	// EntryPassword protects the entry, PFXPassword the archive, for
	// store types that take them.
	EntryPassword, PFXPassword *Secret
	IncludePrivateKey          bool
}

// AddCertificateRequest schedules adding a certificate to stores.
type AddCertificateRequest struct {
	CertificateID int
	Stores        []StoreTarget
	When          Schedule // the zero Schedule: Immediate
	CollectionID  int
}

// RemoveCertificateRequest schedules removing a certificate (by alias)
// from stores.
type RemoveCertificateRequest struct {
	Stores       []StoreTarget // StoreID and Alias
	When         Schedule
	CollectionID int
}

type storeTargetWire struct {
	CertificateStoreID string            `json:"CertificateStoreId"`
	Alias              string            `json:"Alias,omitempty"`
	JobFields          map[string]string `json:"JobFields,omitempty"`
	Overwrite          bool              `json:"Overwrite,omitempty"`
	EntryPassword      *secretWire       `json:"EntryPassword,omitempty"`
	PfxPassword        string            `json:"PfxPassword,omitempty"`
	IncludePrivateKey  bool              `json:"IncludePrivateKey,omitempty"`
}

func targetsWire(stores []StoreTarget, remove bool) (out []storeTargetWire, secrets []string) {
	for _, t := range stores {
		w := storeTargetWire{CertificateStoreID: t.StoreID, Alias: t.Alias, JobFields: t.JobFields}
		if !remove {
			w.Overwrite, w.IncludePrivateKey = t.Overwrite, t.IncludePrivateKey
			if t.EntryPassword != nil && t.EntryPassword.IsSet() {
				w.EntryPassword = &secretWire{t.EntryPassword.Value()}
				secrets = append(secrets, t.EntryPassword.Value())
			}
			if t.PFXPassword != nil && t.PFXPassword.IsSet() {
				w.PfxPassword = t.PFXPassword.Value()
				secrets = append(secrets, t.PFXPassword.Value())
			}
		}
		out = append(out, w)
	}
	return out, secrets
}

func checkTargets(v *validator, stores []StoreTarget, needAlias bool) {
	if len(stores) == 0 {
		v.add("Stores", "name at least one store")
	}
	for i, t := range stores {
		field := "Stores[" + strconv.Itoa(i) + "]"
		checkGUID(v, field+".StoreID", t.StoreID)
		if needAlias {
			v.notBlank(field+".Alias", t.Alias)
		}
	}
}

// AddCertificate schedules adding a certificate to stores (POST
// /CertificateStores/Certificates/Add) and returns the jobs the server
// scheduled, one per store: scheduled is not done — Jobs.Wait says how
// each ended. The POST is never sent twice once it may have reached the
// server (a second one would schedule the jobs again): after a lost
// answer the jobs are found among the scheduled jobs and job history,
// told from the jobs that existed before it (read first, when the caller
// may read jobs: two GETs). When they cannot be found, the error matches
// ErrOutcomeUnknown.
func (s *StoresService) AddCertificate(ctx context.Context, req AddCertificateRequest) ([]Job, error) {
	v := newValidator("Stores.AddCertificate")
	v.positive("CertificateID", req.CertificateID)
	checkTargets(v, req.Stores, false)
	req.When.check(v, "When")
	v.notNegative("CollectionID", req.CollectionID)
	if err := v.err(); err != nil {
		return nil, err
	}
	targets, secrets := targetsWire(req.Stores, false)
	body := struct {
		CertificateID     int               `json:"CertificateId"`
		CertificateStores []storeTargetWire `json:"CertificateStores"`
		Schedule          Schedule          `json:"Schedule"`
		CollectionID      int               `json:"CollectionId,omitempty"`
	}{req.CertificateID, targets, req.When, req.CollectionID}
	return s.jobs(ctx, "CertificateStores/Certificates/Add", body, secrets, req.Stores)
}

// RemoveCertificate schedules removing a certificate from stores (POST
// /CertificateStores/Certificates/Remove) and returns the jobs, as
// AddCertificate does.
func (s *StoresService) RemoveCertificate(ctx context.Context, req RemoveCertificateRequest) ([]Job, error) {
	v := newValidator("Stores.RemoveCertificate")
	checkTargets(v, req.Stores, true)
	req.When.check(v, "When")
	v.notNegative("CollectionID", req.CollectionID)
	if err := v.err(); err != nil {
		return nil, err
	}
	targets, _ := targetsWire(req.Stores, true)
	body := struct {
		CertificateStores []storeTargetWire `json:"CertificateStores"`
		Schedule          Schedule          `json:"Schedule"`
		CollectionID      int               `json:"CollectionId,omitempty"`
	}{targets, req.When, req.CollectionID}
	return s.jobs(ctx, "CertificateStores/Certificates/Remove", body, nil, req.Stores)
}

// jobs sends a job-scheduling POST and pairs the job ids it answers with
// the stores, in order. The POST is never sent twice: before it, the jobs
// that already exist are noted (when the caller may read jobs), so that
// after a lost answer the jobs it scheduled can be told from them and
// found, store by store, by client machine and path.
func (s *StoresService) jobs(ctx context.Context, path string, body any, secrets []string, stores []StoreTarget) ([]Job, error) {
	ids := make([]string, len(stores))
	for i, t := range stores {
		ids[i] = t.StoreID
	}
	unlock, err := s.c.stores.lock(ctx, ids)
	if err != nil {
		return nil, err
	}
	defer unlock()
	since := s.c.now()
	existing, snapErr := s.c.Jobs.before(ctx, since)
	var jobIDs []string
	err = s.c.do(ctx, call{method: http.MethodPost, path: path, version: v1, body: body, secrets: secrets}, &jobIDs)
	if err != nil {
		if snapErr != nil || !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
			return nil, err
		}
		jobs, ferr := s.recoverJobs(ctx, stores, since, existing)
		if ferr != nil {
			return nil, errorf("%w (looking for the jobs it may have scheduled: %v)", err, ferr)
		}
		return jobs, nil
	}
	jobs := make([]Job, len(jobIDs))
	for i, id := range jobIDs {
		jobs[i] = Job{ID: id}
		if len(jobIDs) == len(stores) {
			jobs[i].StoreID = stores[i].StoreID
		}
	}
	return jobs, nil
}

// recoverJobs finds the jobs a request whose answer was lost scheduled,
// one per store, among the jobs that did not exist before it; a store
// without one after a few looks means the request may not have landed.
func (s *StoresService) recoverJobs(ctx context.Context, stores []StoreTarget, since time.Time, existing map[string]bool) ([]Job, error) {
	jobs := make([]Job, len(stores))
	where := make([]CertificateLocation, len(stores))
	for i, t := range stores {
		st, err := s.get(ctx, t.StoreID)
		if err != nil {
			return nil, err
		}
		jobs[i] = Job{StoreID: st.ID}
		where[i] = CertificateLocation{StoreMachine: st.ClientMachine, StorePath: st.StorePath, CertStoreID: st.ID}
	}
	if err := s.c.Jobs.find(ctx, jobs, where, since, existing, s.c.retry.MaxRetries+1); err != nil {
		return nil, err
	}
	return jobs, nil
}
