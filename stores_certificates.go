package keyfactor

import (
	"context"
	"net/http"
	"strconv"
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
// answer the error matches ErrOutcomeUnknown, and Jobs.Scheduled or
// Jobs.History shows what was scheduled.
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
// the stores, in order.
func (s *StoresService) jobs(ctx context.Context, path string, body any, secrets []string, stores []StoreTarget) ([]Job, error) {
	var ids []string
	if err := s.c.do(ctx, call{method: http.MethodPost, path: path, version: v1, body: body, secrets: secrets}, &ids); err != nil {
		return nil, err
	}
	jobs := make([]Job, len(ids))
	for i, id := range ids {
		jobs[i] = Job{ID: id}
		if len(ids) == len(stores) {
			jobs[i].StoreID = stores[i].StoreID
		}
	}
	return jobs, nil
}
