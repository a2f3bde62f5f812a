// Package keyfactortest runs an in-process fake Keyfactor Command API for
// tests, in the manner of net/http/httptest.
//
// The fake speaks Keyfactor's wire format as Keyfactor documents it: it
// requires the x-keyfactor-requested-with header, checks basic and bearer
// credentials and the caller's permissions, selects v1 or v2 behaviour by
// x-keyfactor-api-version (absent means v1), answers every failure with
// Keyfactor's error JSON, stores roles (with v1 and v2 views of the same
// role) and certificate owners, and can be told to fail. It decodes request
// bodies strictly: an unknown JSON field is a 400, so a client that sends a
// misspelt field name finds out here rather than against a real server that
// would silently ignore it.
//
// The package imports only the standard library and does not import the
// SDK: it is a second, independent reading of the wire format.
//
// It serves roles (create, copy, get, list with summary items, full-replace
// PUT, DELETE, the immutable built-in Administrator), certificates (get,
// list) and certificate owners, with Keyfactor's paging (PageReturned,
// ReturnLimit; no total), a QueryString subset and collection scoping.
//
// Seed fills a server from a JSON file; WithRequestLog logs each request as
// a JSON line (never a credential); WithListener serves on an address of
// the caller's. Command keyfactortest (cmd/keyfactortest) runs the server
// as a program, for scripts and tools in any language.
//
// What it does not model: translation between v1 and v2 permission grammars
// (a role keeps the permissions of the version that wrote it), permission
// sets' contents, certificate locations, and any other endpoint. The
// ErrorCode values it sends are shaped like Keyfactor's but illustrative.
package keyfactortest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// Credentials seeded into every server. The administrator holds "/" (full
// control).
const (
	AdminUser     = `KEYFACTOR\admin`
	AdminPassword = "keyfactortest-admin-password"
	AdminToken    = "keyfactortest-admin-token"
)

// GlobalPermissionSetID is the permission set every server starts with; a
// role created without a PermissionSetId is assigned to it.
const GlobalPermissionSetID = "00000000-0000-0000-0000-000000000000"

// DefaultAPIPath is where the API is served unless WithAPIPath says
// otherwise.
const DefaultAPIPath = "/KeyfactorAPI"

// Server is a fake Keyfactor Command API. Its methods are safe for concurrent
// use.
type Server struct {
	// URL is the API's base URL, API path included
	// ("http://127.0.0.1:PORT/KeyfactorAPI"): what an SDK takes as its base URL.
	URL string
	// TokenURL is the fake identity provider's OAuth2 token endpoint
	// (client-credentials grant) for clients added with AddOAuthClient.
	TokenURL string

	srv      *httptest.Server
	apiPath  string
	latency  time.Duration
	listener net.Listener // WithListener's, or nil for a loopback port
	log      *requestLog  // WithRequestLog's, or nil

	mu               sync.Mutex
	users            map[string]*account // by lower-case DOMAIN\name
	tokens           map[string]*account
	oauthClients     map[string]*oauthClient
	roles            map[int]*storedRole
	nextRoleID       int
	nextClaimID      int
	claims           map[int]*sharedClaim
	collections      map[int]*Collection
	nextCollectionID int
	containers       map[int]*Container
	nextContainerID  int
	applicationsOnly bool
	certs            map[int]*Certificate
	permissionSets   map[string]*permissionSet // by lower-case id
	nextSetID        int
	noMyPermissions  bool
	faults           []*faultState
	randomFaults     []randomFault
	rand             *rand.Rand
	requests         []Request
	tokenRequests    int
	issued           int
	// enrollment: templates, CAs, the CA hierarchy and the requests
	templates      map[int]*Template
	cas            map[int]*CA
	pki            *pki
	rootFirst      bool
	enrollRequests map[int]*request
	nextRequestID  int
	// after issue: metadata fields, history, revocation and metadata rules
	metadataFields  map[int]*MetadataField
	nextFieldID     int
	history         map[int][]HistoryEntry
	nextHistoryID   int64
	metadataMerge   bool
	holdRevocations bool
	// delivery: stores, store types, orchestrators and their jobs
	stores           map[string]*Store // by lower-case id
	storeTypes       map[int]*StoreType
	agents           map[string]*Agent // by lower-case id
	jobs             []*job
	jobDelay         time.Duration
	failingStores    map[string]string // lower-case store id: failure message
	nextGUID         int               // the counter of the GUIDs the fake makes (stores, agents, jobs)
	nextJobHistoryID int64
}

type account struct {
	name        string
	password    string
	client      string // an OAuth client's id; "" for a user
	permissions []perm
	visibleSets []string // nil: every permission set
}

type oauthClient struct {
	secret string
	acct   *account
}

// Option configures a Server.
type Option func(*Server)

// WithLatency makes the server wait d before serving each API request, as
// a remote server would, for load tests and benchmarks.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.latency = d }
}

// WithAPIPath serves the API under path instead of DefaultAPIPath
// ("/Keyfactor/API", say, as some installs do).
func WithAPIPath(path string) Option {
	return func(s *Server) { s.apiPath = "/" + strings.Trim(path, "/") }
}

// NewServer starts a fake Keyfactor Command over plain HTTP. Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.srv = s.unstarted()
	s.srv.Start()
	s.setURLs()
	return s
}

// NewTLSServer starts a fake Keyfactor Command over HTTPS with a self-signed
// certificate; Client returns an *http.Client that trusts it.
func NewTLSServer(opts ...Option) *Server {
	s := newServer(opts)
	s.srv = s.unstarted()
	s.srv.StartTLS()
	s.setURLs()
	return s
}

// unstarted makes the test server with its error log discarded: closing it
// while a client is still dialling logs "TLS handshake error ... use of
// closed network connection", noise in every test that uses the fake.
func (s *Server) unstarted() *httptest.Server {
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	// A client that opens a connection and sends nothing, or half a
	// request, must not hold the server (or its shutdown) forever.
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Config.ReadTimeout = time.Minute
	if s.listener != nil {
		_ = srv.Listener.Close()
		srv.Listener = s.listener
	}
	return srv
}

// WithListener serves on l (an address of the caller's choosing) instead
// of a new loopback port. The Server closes it.
func WithListener(l net.Listener) Option {
	return func(s *Server) { s.listener = l }
}

func newServer(opts []Option) *Server {
	s := &Server{
		apiPath:          DefaultAPIPath,
		users:            map[string]*account{},
		tokens:           map[string]*account{},
		oauthClients:     map[string]*oauthClient{},
		roles:            map[int]*storedRole{},
		nextRoleID:       1,
		nextClaimID:      1,
		claims:           map[int]*sharedClaim{},
		collections:      map[int]*Collection{},
		containers:       map[int]*Container{},
		nextCollectionID: 1,
		nextContainerID:  1,
		certs:            map[int]*Certificate{},
		permissionSets:   map[string]*permissionSet{GlobalPermissionSetID: {id: GlobalPermissionSetID, name: "Global", permissions: []string{"/"}}},
		rand:             rand.New(rand.NewPCG(1, 1)),
		templates:        map[int]*Template{},
		cas:              map[int]*CA{},
		enrollRequests:   map[int]*request{},
		metadataFields:   map[int]*MetadataField{},
		history:          map[int][]HistoryEntry{},
		stores:           map[string]*Store{},
		storeTypes:       map[int]*StoreType{},
		agents:           map[string]*Agent{},
		failingStores:    map[string]string{},
	}
	s.storeTypes[2] = &StoreType{ID: 2, Name: "PEM File", ShortName: "PEM", Capability: "PEM"}
	s.storeTypes[5] = &StoreType{ID: 5, Name: "IIS Personal", ShortName: "IIS", Capability: "IIS"}
	s.storeTemplate(Template{ID: 3, ShortName: "WebServer", DisplayName: "Web Server"})
	s.storeTemplate(Template{ID: 4, ShortName: "WebServerApproval", DisplayName: "Web Server (approval)", RequiresApproval: true})
	s.cas[1] = &CA{ID: 1, HostName: "ca.example.com", LogicalName: "Example Issuing CA 1"}
	for _, o := range opts {
		o(s)
	}
	s.AddUser(User{Name: AdminUser, Password: AdminPassword, Token: AdminToken, Permissions: []string{"/"}})
	s.store(&storedRole{Name: AdministratorRoleName, Description: "Built-in role with full control of Keyfactor Command.",
		PermissionSetID: GlobalPermissionSetID, Enabled: true, Immutable: true, PermissionsV2: []string{"/"},
		Claims: []storedClaim{{Type: ClaimUser, Value: AdminUser, Scheme: activeDirectory}}})
	return s
}

func (s *Server) setURLs() {
	base := s.srv.URL
	// A listener on every interface (WithListener) is reached on loopback,
	// the address its TLS certificate names.
	if u, err := url.Parse(base); err == nil {
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
			u.Host = net.JoinHostPort("127.0.0.1", u.Port())
			base = u.String()
		}
	}
	s.URL = base + s.apiPath
	s.TokenURL = base + "/oauth2/token"
}

// Client returns an *http.Client configured for the server (for NewTLSServer,
// one that trusts its certificate).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// TLSCertificate returns the TLS certificate a NewTLSServer serves, or nil:
// what a client must trust (Client does; KEYFACTOR_CA_CERT in Env holds it).
func (s *Server) TLSCertificate() *x509.Certificate { return s.srv.Certificate() }

// Env returns the KEYFACTOR_* variables ("NAME=value") that point a tool
// reading them — keyfactor.NewClientFromEnv, the keyfactor CLI, Keyfactor's
// own Go tools — at this server as its administrator: host and port, API
// path, basic credentials, and for a NewTLSServer its certificate as PEM
// text in KEYFACTOR_CA_CERT (which takes a file or PEM text); for a
// NewServer, KEYFACTOR_ALLOW_INSECURE_HTTP=true and an http:// host.
//
//	cmd := exec.Command("keyfactor", "role", "list")
//	cmd.Env = append(os.Environ(), srv.Env()...)
func (s *Server) Env() []string {
	u, _ := url.Parse(s.URL)
	env := []string{"KEYFACTOR_PORT=" + u.Port(), "KEYFACTOR_API_PATH=" + strings.TrimPrefix(s.apiPath, "/")}
	// The administrator's credentials as they are now: a seed or AddUser
	// may have changed its password, or left it a token only.
	s.mu.Lock()
	admin := s.users[strings.ToLower(AdminUser)]
	token := ""
	for t, a := range s.tokens {
		if a == admin {
			token = t
		}
	}
	s.mu.Unlock()
	switch {
	case admin != nil && admin.password != "":
		env = append(env, "KEYFACTOR_USERNAME=admin", "KEYFACTOR_DOMAIN=KEYFACTOR", "KEYFACTOR_PASSWORD="+admin.password)
	case token != "":
		env = append(env, "KEYFACTOR_AUTH_ACCESS_TOKEN="+token)
	}
	if cert := s.srv.Certificate(); cert != nil && u.Scheme == "https" {
		ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		return append(env, "KEYFACTOR_HOSTNAME="+u.Hostname(), "KEYFACTOR_CA_CERT="+string(ca))
	}
	return append(env, "KEYFACTOR_HOSTNAME=http://"+u.Hostname(), "KEYFACTOR_ALLOW_INSECURE_HTTP=true")
}

// Close shuts the server down and blocks until its requests have finished.
func (s *Server) Close() { s.srv.Close() }

// Shutdown stops the server gracefully: it stops accepting connections,
// closes idle ones and waits for the requests in flight to be answered,
// until ctx ends. Then, or once they are answered, it closes every
// connection left (a client that sent half a request) and the server, as
// Close does. It returns ctx's error when requests were cut off.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Config.Shutdown(ctx)
	s.srv.CloseClientConnections()
	s.srv.Close()
	return err
}

// User is an account the server accepts. Name is DOMAIN\user for basic auth;
// Token, when set, is also accepted as a bearer token. Permissions are v2
// permission paths ("/" is full control; "/certificates/collections/change_owner/5/"
// is scoped to collection 5); a role with a User claim naming the account
// adds its own. VisiblePermissionSets, when not nil, limits the permission
// sets the account sees to those ids (see the package notes in security.go).
type User struct {
	Name, Password, Token string
	Permissions           []string
	VisiblePermissionSets []string
}

// AddUser adds or replaces an account.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &account{name: u.Name, password: u.Password, permissions: parsePerms(u.Permissions),
		visibleSets: slices.Clone(u.VisiblePermissionSets)}
	if old := s.users[strings.ToLower(u.Name)]; old != nil {
		for t, holder := range s.tokens {
			if holder == old {
				delete(s.tokens, t) // a replaced account's token goes with it
			}
		}
	}
	s.users[strings.ToLower(u.Name)] = a
	if u.Token != "" {
		s.tokens[u.Token] = a
	}
}

// AddOAuthClient lets a client-credentials client fetch tokens from
// TokenURL; its tokens carry the given v2 permissions.
func (s *Server) AddOAuthClient(clientID, clientSecret string, permissions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauthClients[clientID] = &oauthClient{secret: clientSecret,
		acct: &account{name: "oauth:" + clientID, client: clientID, permissions: parsePerms(permissions)}}
}

// TokenRequests returns how many token requests TokenURL has answered.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// Request is one request the server received, recorded before any fault
// or handler ran.
type Request struct {
	Method string
	Path   string // the URL path, API path included
	Query  string // the raw query
	Header http.Header
	Body   []byte
	// Fault is the fault the request met (FailNext or FailRandomly), or nil.
	Fault *Fault
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// maxBody bounds a request body the fake will read.
const maxBody = 1 << 20

// ServeHTTP records the request, applies any pending fault and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.log != nil {
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		var f *Fault
		defer func() { s.logRequest(r, rec.status, f, start) }()
		w, f = rec, nil
		s.handle(w, r, &f)
		return
	}
	s.handle(w, r, new(*Fault))
}

// handle serves one request; the fault it met, if any, is left in *met.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, met **Fault) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "The request body could not be read.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body)) // for handlers that parse forms
	s.mu.Lock()
	f := s.takeFault(r)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Fault: f})
	s.mu.Unlock()
	*met = f

	if f != nil {
		if f.Drop == DropBeforeHandler {
			drop(w)
			return
		}
		if f.Drop == 0 {
			writeFault(w, f)
			return
		}
	}
	if f != nil && f.Drop == DropAfterHandler {
		// The change is applied, then the client never hears of it.
		s.serve(httptest.NewRecorder(), r, body)
		drop(w)
		return
	}
	s.serve(w, r, body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if s.latency > 0 {
		select {
		case <-time.After(s.latency):
		case <-r.Context().Done():
			return
		}
	}
	if r.URL.Path == "/oauth2/token" {
		s.serveToken(w, r)
		return
	}
	rel, ok := strings.CutPrefix(r.URL.Path, s.apiPath+"/")
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, "No API is served at "+r.URL.Path+".")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, status, msg := s.authenticate(r)
	if acct == nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="Keyfactor"`)
		writeError(w, status, codeUnauthorized, msg)
		return
	}
	if r.Header.Get("x-keyfactor-requested-with") != "APIClient" {
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"The x-keyfactor-requested-with header is required and must be 'APIClient'.")
		return
	}
	version, ok := apiVersion(r.Header.Get("x-keyfactor-api-version"))
	if !ok {
		writeError(w, http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("Unsupported API version '%s'.", r.Header.Get("x-keyfactor-api-version")))
		return
	}
	if len(body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, codeBadRequest, "Content-Type must be application/json.")
		return
	}
	w.Header().Set("x-keyfactor-product-version", "25.1.1.0")
	c := &reqCtx{s: s, w: w, r: r, body: body, acct: acct, version: version}
	s.route(c, strings.Split(strings.TrimSuffix(rel, "/"), "/"))
}

// reqCtx is one API request being served, under s.mu.
type reqCtx struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	body    []byte
	acct    *account
	version int
}

func (s *Server) route(c *reqCtx, seg []string) {
	if s.serveEnrollment(c, seg) || s.serveDelivery(c, seg) || s.serveLifecycle(c, seg) {
		return
	}
	m := c.r.Method
	switch {
	case len(seg) == 1 && strings.EqualFold(seg[0], "Certificates"):
		if m != http.MethodGet {
			methodNotAllowed(c.w, http.MethodGet)
			return
		}
		s.listCertificates(c)
	case len(seg) == 2 && strings.EqualFold(seg[0], "Certificates"):
		if m != http.MethodGet {
			methodNotAllowed(c.w, http.MethodGet)
			return
		}
		s.getCertificate(c, seg[1])
	case len(seg) == 3 && strings.EqualFold(seg[0], "Certificates") && strings.EqualFold(seg[2], "Owner"):
		if m != http.MethodPut {
			methodNotAllowed(c.w, http.MethodPut)
			return
		}
		s.putOwner(c, seg[1])
	case len(seg) == 2 && strings.EqualFold(seg[0], "Security") && strings.EqualFold(seg[1], "Roles"):
		switch m {
		case http.MethodPost:
			s.createRole(c)
		case http.MethodGet:
			s.listRoles(c)
		case http.MethodPut:
			s.updateRole(c)
		default:
			methodNotAllowed(c.w, "GET, POST, PUT")
		}
	case len(seg) == 3 && strings.EqualFold(seg[0], "Security") && strings.EqualFold(seg[1], "Roles"):
		switch m {
		case http.MethodGet:
			s.getRole(c, seg[2])
		case http.MethodDelete:
			s.deleteRole(c, seg[2])
		default:
			methodNotAllowed(c.w, "GET, DELETE")
		}
	case len(seg) >= 2 && len(seg) <= 3 && strings.EqualFold(seg[0], "Security") && strings.EqualFold(seg[1], "Claims"):
		s.serveClaims(c, seg)
	case len(seg) <= 2 && strings.EqualFold(seg[0], "CertificateCollections"):
		s.serveCollections(c, seg)
	case len(seg) <= 2 && (strings.EqualFold(seg[0], "CertificateStoreContainers") || strings.EqualFold(seg[0], "Applications")):
		s.serveContainers(c, seg)
	case strings.EqualFold(seg[0], "PermissionSets"):
		s.servePermissionSets(c, seg)
	case len(seg) == 1 && strings.EqualFold(seg[0], "Permissions"):
		s.servePermissions(c)
	case (len(seg) == 2 || len(seg) == 3) && strings.EqualFold(seg[0], "Security") && strings.EqualFold(seg[1], "My"):
		s.serveSecurityMy(c, seg)
	case len(seg) == 4 && strings.EqualFold(seg[0], "Security") && strings.EqualFold(seg[1], "Roles") &&
		strings.EqualFold(seg[3], "Copy"):
		if m != http.MethodPost {
			methodNotAllowed(c.w, http.MethodPost)
			return
		}
		s.copyRole(c, seg[2])
	default:
		writeError(c.w, http.StatusNotFound, codeNotFound, "No endpoint matches "+c.r.Method+" "+c.r.URL.Path+".")
	}
}

func apiVersion(h string) (int, bool) {
	switch h {
	case "", "1", "1.0":
		return 1, true
	case "2", "2.0":
		return 2, true
	}
	return 0, false
}

// Error codes the fake sends. Keyfactor's are shaped alike; these values
// are illustrative.
const (
	codeUnauthorized = "0xA0110001"
	codeUnavailable  = "0xA0110002"
	codeNotFound     = "0xA0110005"
	codeBadRequest   = "0xA0110007"
	codeForbidden    = "0xA0110013"
	codeBadQuery     = "0xA011004A"
)

// errorBody is Keyfactor's error JSON.
type errorBody struct {
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{ErrorCode: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, codeBadRequest, "The requested resource does not support this method.")
}

// decodeStrict decodes a request body into v, refusing any object key that
// is not spelt exactly as one of v's json tags (encoding/json alone would
// accept "NewRoleID" for "NewRoleId"), and trailing data.
// decode reads the request body strictly into v, or answers 400 naming
// what is wrong and reports false.
func (c *reqCtx) decode(v any) bool {
	if err := decodeStrict(c.body, v); err != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The request body is not valid: "+err.Error())
		return false
	}
	return true
}

func decodeStrict(body []byte, v any) error {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	if err := checkKeys(raw, reflect.TypeOf(v), ""); err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// jsonFields collects the JSON keys of struct t, an embedded struct's
// keys among them, with their types.
func jsonFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			jsonFields(f.Type, into)
			continue
		}
		into[name] = f.Type
	}
}

// checkKeys walks a decoded JSON value beside the Go type it will fill.
func checkKeys(raw any, t reflect.Type, at string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := raw.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil
		}
		fields := map[string]reflect.Type{}
		jsonFields(t, fields)
		for k, v := range x {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown field %q%s", k, at)
			}
			if err := checkKeys(v, ft, " in "+k); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for _, v := range x {
			if err := checkKeys(v, t.Elem(), at); err != nil {
				return err
			}
		}
	}
	return nil
}
