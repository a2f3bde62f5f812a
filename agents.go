package keyfactor

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AgentsService manages orchestrators (API v1 /Agents). Reach it as
// Client.Agents.
type AgentsService struct{ c *Client }

// Agent is an orchestrator. Platform and Status are the wire's codes.
type Agent struct {
	ID                               string // a GUID
	ClientMachine, Username, Version string
	Platform, Status                 int
	LastSeen                         *time.Time
	Capabilities                     []string
	LastErrorCode                    int64
	LastErrorMessage                 string
}

// ListAgentsOptions selects and orders the agents List returns.
type ListAgentsOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

type agentWire struct {
	AgentID          string   `json:"AgentId"`
	ClientMachine    string   `json:"ClientMachine"`
	Username         string   `json:"Username"`
	AgentPlatform    flexInt  `json:"AgentPlatform"`
	Version          string   `json:"Version"`
	Status           flexInt  `json:"Status"`
	LastSeen         wireTime `json:"LastSeen"`
	Capabilities     []string `json:"Capabilities"`
	LastErrorCode    int64    `json:"LastErrorCode"`
	LastErrorMessage string   `json:"LastErrorMessage"`
}

func (w *agentWire) agent() Agent {
	a := Agent{ID: w.AgentID, ClientMachine: w.ClientMachine, Username: w.Username, Version: w.Version, Platform: int(w.AgentPlatform),
		Status: int(w.Status), Capabilities: w.Capabilities, LastErrorCode: w.LastErrorCode, LastErrorMessage: w.LastErrorMessage}
	if !w.LastSeen.t.IsZero() {
		a.LastSeen = &w.LastSeen.t
	}
	return a
}

// List returns every agent, page after page (GET /Agents).
func (s *AgentsService) List(ctx context.Context, opts ListAgentsOptions) iter.Seq2[Agent, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "Agents.List", "Agents", q, func(w *agentWire) string { return strings.ToLower(w.AgentID) }, (*agentWire).agent)
}

// Get returns an agent (GET /Agents/{id}).
func (s *AgentsService) Get(ctx context.Context, id string) (*Agent, error) {
	v := newValidator("Agents.Get")
	checkGUID(v, "id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w agentWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Agents/" + url.PathEscape(id), version: v1}, &w); err != nil {
		return nil, err
	}
	a := w.agent()
	return &a, nil
}

// Approve approves agents (POST /Agents/Approve, one request with the
// list). Approving an approved agent changes nothing: it is retried like
// a GET.
func (s *AgentsService) Approve(ctx context.Context, ids ...string) error {
	return s.list(ctx, "Agents.Approve", "Agents/Approve", ids)
}

// Disapprove disapproves agents (POST /Agents/Disapprove), as Approve.
func (s *AgentsService) Disapprove(ctx context.Context, ids ...string) error {
	return s.list(ctx, "Agents.Disapprove", "Agents/Disapprove", ids)
}

func (s *AgentsService) list(ctx context.Context, op, path string, ids []string) error {
	v := newValidator(op)
	if len(ids) == 0 {
		v.add("ids", "name at least one agent")
	}
	for i, id := range ids {
		checkGUID(v, "ids["+strconv.Itoa(i)+"]", id)
	}
	if err := v.err(); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodPost, path: path, version: v1, body: ids, repeat: idempotent}, nil)
}

// Reset resets an agent (POST /Agents/{id}/Reset).
func (s *AgentsService) Reset(ctx context.Context, id string) error {
	return s.one(ctx, "Agents.Reset", id, "Reset")
}

// FetchLogs schedules a job that fetches an agent's logs (POST
// /Agents/{id}/FetchLogs): it only schedules.
func (s *AgentsService) FetchLogs(ctx context.Context, id string) error {
	return s.one(ctx, "Agents.FetchLogs", id, "FetchLogs")
}

func (s *AgentsService) one(ctx context.Context, op, id, action string) error {
	v := newValidator(op)
	checkGUID(v, "id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodPost, path: "Agents/" + url.PathEscape(id) + "/" + action, version: v1}, nil)
}
