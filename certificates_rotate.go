package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// RotateOptions tunes Certificates.Rotate.
type RotateOptions struct {
	// Reenroll renews by PFX re-enrollment (with RenewalCertificateID)
	// instead of one-click renewal; it is chosen anyway when Command
	// offers no one-click renewal (RenewalAvailable).
	Reenroll bool
	// Password protects the PFX in transit; generated when empty. It
	// never prints.
	Password string
	// Progress, when set, is called with each store's outcome as it is
	// known: a store Command could not schedule at once, the others as
	// their jobs end. Calls come from Rotate's goroutine, one at a time.
	Progress func(JobResult)
}

func (o RotateOptions) safeFields() []safeField {
	return []safeField{{name: "Reenroll", value: o.Reenroll}, {name: "Password", value: o.Password, secret: true}}
}

// Format prints the options with their Password redacted, for every verb.
func (o RotateOptions) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, "RotateOptions", o.safeFields())
}

// LogValue is what slog records: the options without their Password.
func (o RotateOptions) LogValue() slog.Value { return logSafe(o.safeFields()) }

// MarshalJSON writes the options without their Password.
func (o RotateOptions) MarshalJSON() ([]byte, error) { return jsonSafe(o.safeFields()) }

// Rotation is what Rotate did: the new certificate, and how each store
// that held the old one ended.
type Rotation struct {
	New    *Enrollment
	Stores []JobResult
}

// Rotate replaces a certificate everywhere it is deployed: it renews it
// (one-click when Command offers it, else a PFX re-enrollment), replaces
// it in every store that holds it (POST /Enrollment/PFX/Replace), and
// waits for every job. A store whose job failed keeps the old certificate:
// the Rotation names it, with the orchestrator's message, and the error
// matches ErrJobFailed. The renewal follows the enrollment rules (never a
// second certificate after a lost answer); the Replace POST is never
// re-sent either. A pending renewal is waited for first (Enrollment.Wait).
//
// The Replace answer names stores, not jobs: the jobs are found among the
// scheduled jobs and job history, by each store's client machine and path,
// from the time Replace was sent, leaving out the jobs that existed
// before it. After a lost Replace answer they are
// looked for the same way, until ctx ends.
func (s *CertificatesService) Rotate(ctx context.Context, id int, opts RotateOptions) (*Rotation, error) {
	const op = "Certificates.Rotate"
	v := newValidator(op)
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	old, err := s.Get(ctx, id, GetCertificateOptions{})
	if err != nil {
		return nil, err
	}
	stores, err := s.Locations(ctx, id)
	if err != nil {
		return nil, err
	}
	password := opts.Password
	if password == "" {
		password = newPassword()
	}
	reenroll := opts.Reenroll
	if !reenroll {
		kind, _, err := s.RenewalAvailable(ctx, id, OwnerScope{})
		if err != nil {
			return nil, err
		}
		reenroll = kind != RenewalOneClick
	}
	var e *Enrollment
	if reenroll {
		e, err = s.c.Enrollment.PFX(ctx, EnrollPFXRequest{Subject: subjectOf(old), EnrollmentPolicy: EnrollmentPolicy{Template: old.TemplateName},
			Password: password, RenewalCertificateID: id, IncludeChain: true})
	} else {
		e, err = s.Renew(ctx, RenewRequest{CertificateID: id})
	}
	if err == nil && e.Status == EnrollmentPending {
		e, err = s.c.Enrollment.Wait(ctx, e)
	}
	if err != nil {
		return &Rotation{New: e}, errorf("%s: renewing certificate %d: %w", op, id, err)
	}
	rot := &Rotation{New: e}
	if len(stores) == 0 {
		return rot, nil
	}
	jobs, unscheduled, err := s.replace(ctx, op, id, e.CertificateID, password, stores)
	rot.Stores = append(rot.Stores, unscheduled...)
	if opts.Progress != nil {
		for _, r := range unscheduled {
			opts.Progress(r)
		}
	}
	if err != nil {
		return rot, err
	}
	results, werr := s.c.Jobs.wait(ctx, op, jobs, opts.Progress)
	rot.Stores = append(rot.Stores, results...)
	var failed []string
	for _, r := range rot.Stores {
		if r.Status == JobFailed {
			failed = append(failed, r.Job.StoreID+" ("+r.Message+")")
		}
	}
	switch {
	case werr != nil && !errors.Is(werr, ErrJobFailed):
		return rot, werr
	case len(failed) > 0:
		return rot, errorf("%s: certificate %d was renewed as %d; %d of %d stores keep the old one: %s: %w", op, id, e.CertificateID,
			len(failed), len(stores), strings.Join(failed, "; "), ErrJobFailed)
	}
	return rot, nil
}

// replace sends POST /Enrollment/PFX/Replace once and finds the job it
// scheduled in each store, with the stores locked within this Client
// from before the jobs that exist are noted until the new ones are found.
// It returns those jobs, and a failed result for each store Command could
// not schedule.
func (s *CertificatesService) replace(ctx context.Context, op string, oldID, newID int, password string,
	stores []CertificateLocation) ([]Job, []JobResult, error) {
	ids := make([]string, len(stores))
	for i, st := range stores {
		ids[i] = st.CertStoreID
	}
	unlock, err := s.c.stores.lock(ctx, ids)
	if err != nil {
		return nil, nil, errorf("%s: certificate %d was renewed as %d; waiting to replace it in its stores: %w", op, oldID, newID, err)
	}
	defer unlock()
	since := s.c.now()
	existing, err := s.c.Jobs.before(ctx, since)
	if err != nil {
		return nil, nil, errorf("%s: certificate %d was renewed as %d; reading the stores' jobs before replacing it failed: %w",
			op, oldID, newID, err)
	}
	var ans struct {
		SuccessfulStores []string `json:"SuccessfulStores"`
		FailedStores     []string `json:"FailedStores"`
	}
	body := struct {
		ExistingCertificateID int    `json:"ExistingCertificateId"`
		CertificateID         int    `json:"CertificateId"`
		Password              string `json:"Password"`
	}{oldID, newID, password}
	err = s.c.do(ctx, call{method: http.MethodPost, path: "Enrollment/PFX/Replace", version: v1, body: body,
		secrets: []string{password}}, &ans)
	// A lost answer is not sent again: the jobs it may have scheduled are
	// looked for in every store, as after an answer naming them all.
	if err != nil && (!errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil) {
		return nil, nil, errorf("%s: certificate %d was renewed as %d, but replacing it in its stores failed: %w", op, oldID, newID, err)
	}
	var jobs []Job
	var where []CertificateLocation
	var unscheduled []JobResult
	for _, st := range stores {
		if slices.ContainsFunc(ans.FailedStores, func(f string) bool { return strings.EqualFold(f, st.CertStoreID) }) {
			unscheduled = append(unscheduled, JobResult{Job: Job{StoreID: st.CertStoreID}, Status: JobFailed,
				Message: "Command could not schedule the replacement in this store", AgentMachine: st.StoreMachine})
			continue
		}
		jobs = append(jobs, Job{StoreID: st.CertStoreID})
		where = append(where, st)
	}
	tries := 0 // an answer named the stores: their jobs exist, wait for them
	if err != nil {
		tries = s.c.retry.MaxRetries + 1
	}
	if err := s.c.Jobs.find(ctx, jobs, where, since, existing, tries); err != nil {
		if tries > 0 && errors.Is(err, ErrNotFound) {
			return nil, unscheduled, errorf("%s: certificate %d was renewed as %d; the answer to replacing it in its stores was lost and "+
				"not every store has a job: add certificate %d to the stores: %w", op, oldID, newID, newID, ErrOutcomeUnknown)
		}
		return nil, unscheduled, errorf("%s: finding the replacement jobs: %w", op, err)
	}
	return jobs, unscheduled, nil
}

// subjectOf is a certificate's subject DN for re-enrollment.
func subjectOf(c *Certificate) string {
	if c.IssuedDN != "" {
		return c.IssuedDN
	}
	return "CN=" + c.IssuedCN
}
