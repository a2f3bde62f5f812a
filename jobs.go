package keyfactor

import (
	"cmp"
	"context"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// JobsService follows orchestrator jobs (API v1 /OrchestratorJobs). Reach
// it as Client.Jobs. A job that is scheduled is not done: Wait says how
// each ended.
type JobsService struct{ c *Client }

// Job is an orchestrator job a store change scheduled.
type Job struct {
	ID      string // a GUID: the JobId of job history
	StoreID string // the store it changes, when known
}

// JobStatus is how a job ended.
type JobStatus string

// The ends of a job.
const (
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
	JobWarning   JobStatus = "warning" // ended, not a failure; the message says what to look at
)

// JobResult is how a job ended, with the orchestrator's message.
type JobResult struct {
	Job               Job
	Status            JobStatus
	Message           string
	Started, Finished time.Time
	AgentMachine      string
}

// JobRecord is one entry of job history, with the wire's codes: Result 0
// unknown, 2 success, 3 warning, 4 failure; Status 0 unknown, 1 waiting,
// 2 in process, 3 completed, 4 acknowledged, 5 completed, will retry.
type JobRecord struct {
	HistoryID                                              int64
	JobID, JobType, AgentMachine, StorePath, ClientMachine string
	Message                                                string
	Result, Status                                         int
	OperationStart                                         time.Time
	OperationEnd                                           *time.Time
}

// ScheduledJob is a job waiting to run.
type ScheduledJob struct {
	ID, ClientMachine, Target, JobType string
	Requested                          time.Time
}

// ListJobHistoryOptions selects and orders job history.
type ListJobHistoryOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

// ListScheduledJobsOptions selects and orders scheduled jobs.
type ListScheduledJobsOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

// The wire's job codes.
const (
	jobResultSuccess = 2
	jobResultWarning = 3
	jobResultFailure = 4

	jobStatusCompleted    = 3
	jobStatusAcknowledged = 4
)

type jobRecordWire struct {
	JobHistoryID   int64      `json:"JobHistoryId"`
	AgentMachine   string     `json:"AgentMachine"`
	JobID          string     `json:"JobId"`
	JobType        flexString `json:"JobType"`
	OperationStart wireTime   `json:"OperationStart"`
	OperationEnd   wireTime   `json:"OperationEnd"`
	Message        string     `json:"Message"`
	Result         flexInt    `json:"Result"`
	Status         flexInt    `json:"Status"`
	StorePath      string     `json:"StorePath"`
	ClientMachine  string     `json:"ClientMachine"`
}

func (w *jobRecordWire) record() JobRecord {
	r := JobRecord{HistoryID: w.JobHistoryID, JobID: w.JobID, JobType: string(w.JobType), AgentMachine: w.AgentMachine,
		StorePath: w.StorePath, ClientMachine: w.ClientMachine, Message: w.Message, Result: int(w.Result), Status: int(w.Status),
		OperationStart: w.OperationStart.t}
	if !w.OperationEnd.t.IsZero() {
		r.OperationEnd = &w.OperationEnd.t
	}
	return r
}

// History returns job history, page after page (GET
// /OrchestratorJobs/JobHistory); Query takes fields such as JobId, Agent,
// Result, Status and JobType.
func (s *JobsService) History(ctx context.Context, opts ListJobHistoryOptions) iter.Seq2[JobRecord, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "Jobs.History", "OrchestratorJobs/JobHistory", q, func(w *jobRecordWire) int64 { return w.JobHistoryID },
		(*jobRecordWire).record)
}

// Scheduled returns the jobs waiting to run (GET
// /OrchestratorJobs/ScheduledJobs).
func (s *JobsService) Scheduled(ctx context.Context, opts ListScheduledJobsOptions) iter.Seq2[ScheduledJob, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	type wire struct {
		ID            string     `json:"Id"`
		ClientMachine string     `json:"ClientMachine"`
		Target        string     `json:"Target"`
		JobType       flexString `json:"JobType"`
		Requested     wireTime   `json:"Requested"`
	}
	return listPlain(ctx, s.c, "Jobs.Scheduled", "OrchestratorJobs/ScheduledJobs", q, func(w *wire) string { return strings.ToLower(w.ID) },
		func(w *wire) ScheduledJob {
			return ScheduledJob{ID: w.ID, ClientMachine: w.ClientMachine, Target: w.Target, JobType: string(w.JobType), Requested: w.Requested.t}
		})
}

// Acknowledge acknowledges jobs that ended in failure or with a warning
// (POST /OrchestratorJobs/Acknowledge), by their history ids.
func (s *JobsService) Acknowledge(ctx context.Context, jobAuditIDs []int64) error {
	v := newValidator("Jobs.Acknowledge")
	if len(jobAuditIDs) == 0 {
		v.add("jobAuditIDs", "name at least one job history id")
	}
	for i, id := range jobAuditIDs {
		if id <= 0 {
			v.addf("jobAuditIDs["+strconv.Itoa(i)+"]", "must be greater than 0, got %d", id)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	body := struct {
		JobAuditIDs []int64 `json:"JobAuditIds"`
	}{jobAuditIDs}
	return s.c.do(ctx, call{method: http.MethodPost, path: "OrchestratorJobs/Acknowledge", version: v1, body: body, repeat: idempotent}, nil)
}

// Wait polls job history until every job has ended, with the Client's
// retry waits (RetryPolicy.MinWait doubling to MaxWait), or ctx ends. A
// job ends when its latest record is Completed or Acknowledged
// (CompletedWillRetry runs again, and a job not in history yet is waited
// for). It returns each job's end, in the order given, with the
// orchestrator's message; when any failed, the error matches ErrJobFailed
// and names each. When ctx ends first, the results hold the jobs that
// ended and the error is ctx's.
func (s *JobsService) Wait(ctx context.Context, jobs []Job) ([]JobResult, error) {
	const op = "Jobs.Wait"
	v := newValidator(op)
	for i, j := range jobs {
		checkGUID(v, "jobs["+strconv.Itoa(i)+"].ID", j.ID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.wait(ctx, op, jobs, nil)
}

// wait is Wait, calling onEnd (when set) with each job's end as it is
// seen, for a caller that shows progress.
func (s *JobsService) wait(ctx context.Context, op string, jobs []Job, onEnd func(JobResult)) ([]JobResult, error) {
	results := make([]JobResult, len(jobs))
	ended := make([]bool, len(jobs))
	wait := s.c.retry.MinWait
	for {
		for i, j := range jobs {
			if ended[i] {
				continue
			}
			r, done, err := s.end(ctx, j)
			if err != nil {
				return finished(results, ended), err
			}
			results[i], ended[i] = r, done
			if done && onEnd != nil {
				onEnd(r)
			}
		}
		if !slices.Contains(ended, false) {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return finished(results, ended), errorf("%s: jobs still running: %w", op, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, s.c.retry.MaxWait)
	}
	var failedJobs []string
	for _, r := range results {
		if r.Status == JobFailed {
			failedJobs = append(failedJobs, r.Job.ID+" ("+r.Message+")")
		}
	}
	if len(failedJobs) > 0 {
		return results, errorf("%s: %d of %d jobs failed: %s: %w", op, len(failedJobs), len(jobs), strings.Join(failedJobs, "; "), ErrJobFailed)
	}
	return results, nil
}

// end reads a job's latest history record: its end, when it has one.
func (s *JobsService) end(ctx context.Context, j Job) (JobResult, bool, error) {
	var latest *JobRecord
	for r, err := range s.History(ctx, ListJobHistoryOptions{Query: `JobId -eq "` + j.ID + `"`, PageSize: MaxPageSize}) {
		if err != nil {
			return JobResult{}, false, err
		}
		if strings.EqualFold(r.JobID, j.ID) && (latest == nil || r.HistoryID > latest.HistoryID) {
			latest = &r
		}
	}
	if latest == nil || latest.Status != jobStatusCompleted && latest.Status != jobStatusAcknowledged {
		return JobResult{}, false, nil
	}
	res := JobResult{Job: j, Message: latest.Message, Started: latest.OperationStart, AgentMachine: latest.AgentMachine}
	if latest.OperationEnd != nil {
		res.Finished = *latest.OperationEnd
	}
	switch latest.Result {
	case jobResultSuccess:
		res.Status = JobSucceeded
	case jobResultWarning:
		res.Status = JobWarning
	case jobResultFailure:
		res.Status = JobFailed
	default: // a result the orchestrator could not name is not a success
		res.Status = JobFailed
	}
	return res, true, nil
}

// finished keeps the results of the jobs that ended.
func finished(results []JobResult, ended []bool) []JobResult {
	var out []JobResult
	for i, r := range results {
		if ended[i] {
			out = append(out, r)
		}
	}
	return out
}

// jobSeen is a job found among the scheduled jobs or in job history.
type jobSeen struct {
	id, machine, path string
	at                time.Time
	order             int64 // history id; 0 for a scheduled job
}

// seen lists the scheduled jobs and the job history since from. The two
// reads are independent and run at once: before each job-scheduling POST
// they are on the caller's path.
func (s *JobsService) seen(ctx context.Context, from time.Time) ([]jobSeen, error) {
	var scheduled []jobSeen
	var scheduledErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sj, err := range s.Scheduled(ctx, ListScheduledJobsOptions{PageSize: MaxPageSize}) {
			if err != nil {
				scheduledErr = err
				return
			}
			scheduled = append(scheduled, jobSeen{sj.ID, sj.ClientMachine, sj.Target, sj.Requested, 0})
		}
	}()
	var history []jobSeen
	var historyErr error
	q := `OperationStart -ge "` + from.UTC().Format(time.RFC3339) + `"`
	for r, err := range s.History(ctx, ListJobHistoryOptions{Query: q, PageSize: MaxPageSize}) {
		if err != nil {
			historyErr = err
			break
		}
		history = append(history, jobSeen{r.JobID, r.ClientMachine, r.StorePath, r.OperationStart, r.HistoryID})
	}
	<-done
	if err := cmp.Or(scheduledErr, historyErr); err != nil {
		return nil, err
	}
	return append(scheduled, history...), nil
}

// before lists the ids of the jobs that exist around since (clock skew
// included), so that find never takes one of them for a job a later
// request scheduled.
func (s *JobsService) before(ctx context.Context, since time.Time) (map[string]bool, error) {
	seen, err := s.seen(ctx, since.Add(-clockSkew))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, j := range seen {
		out[strings.ToLower(j.id)] = true
	}
	return out, nil
}

// find fills in the ids of the jobs a request scheduled for stores (the
// store at index i for jobs[i]), by client machine and path among the
// scheduled jobs and job history, leaving out the jobs that existed
// before it (old). It polls until each is found or ctx ends, or, when
// tries > 0, after tries looks. Of several candidates it takes the newest
// that no other job of the set took: the wire names no certificate, so
// two changes to the same store at the same moment cannot be told apart.
func (s *JobsService) find(ctx context.Context, jobs []Job, stores []CertificateLocation, since time.Time, old map[string]bool, tries int) error {
	wait := s.c.retry.MinWait
	for {
		taken := maps.Clone(old)
		for _, j := range jobs {
			taken[strings.ToLower(j.ID)] = j.ID != ""
		}
		seen, err := s.seen(ctx, since.Add(-clockSkew))
		if err != nil {
			return err
		}
		missing := 0
		for i := range jobs {
			if jobs[i].ID != "" {
				continue
			}
			best := -1
			for k, c := range seen {
				if taken[strings.ToLower(c.id)] || !strings.EqualFold(c.machine, stores[i].StoreMachine) || c.path != stores[i].StorePath {
					continue
				}
				if best < 0 || c.at.After(seen[best].at) || c.at.Equal(seen[best].at) && c.order > seen[best].order {
					best = k
				}
			}
			if best < 0 {
				missing++
				continue
			}
			jobs[i].ID = seen[best].id
			taken[strings.ToLower(seen[best].id)] = true
		}
		if missing == 0 {
			return nil
		}
		if tries--; tries == 0 {
			return errorf("no job found for %d of %d stores: %w", missing, len(jobs), ErrNotFound)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, s.c.retry.MaxWait)
	}
}
