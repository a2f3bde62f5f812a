// Package keyfactor is a typed client for the Keyfactor Command REST API:
// enrolling and fetching certificates, their owners, and the security-role
// lifecycle. It is an independent open-source SDK, not a Keyfactor product.
//
// # Configuration
//
// Create one Client and share it; it is safe for concurrent use and reuses
// connections and OAuth tokens:
//
//	client, err := keyfactor.NewClient(keyfactor.Config{
//		BaseURL: "https://kf.example.com/KeyfactorAPI",
//		Auth:    keyfactor.BasicAuth{Username: "svc-pki", Password: pw, Domain: "EXAMPLE"},
//	})
//
// BaseURL is used as given (Keyfactor lets the API path change at install
// time); it must be https unless Config.AllowInsecureHTTP is set. NewClient
// validates the Config and makes no network call. ConfigFromEnv and
// NewClientFromEnv read the KEYFACTOR_* variables and
// ~/.keyfactor/command_config.json used by Keyfactor's own Go tools.
//
// # Authentication
//
// BasicAuth sends DOMAIN\user (a user name holding "\" or "@" is sent as
// given). BearerToken sends a static access token. OAuth2ClientCredentials
// fetches a token with the client-credentials grant, caches it for all
// goroutines and refreshes it shortly before it expires. Any other
// Authenticator can be plugged in. fmt, slog and encoding/json never show a
// password, secret or token, and no error or log line holds one.
//
// # Errors
//
// Invalid input returns a *ValidationError naming every bad field, and
// nothing is sent. Any non-2xx answer is an *APIError with the status,
// Keyfactor's ErrorCode and Message, and the first 64 KiB of the body.
// errors.Is works with ErrValidation, ErrUnauthorized, ErrForbidden,
// ErrNotFound, ErrConflict, ErrRateLimited and ErrServer; transport and
// context errors stay wrapped:
//
//	err := client.Certificates.UpdateOwner(ctx, 42, keyfactor.UpdateOwnerRequest{NewRoleID: keyfactor.Ptr(7)})
//	var apiErr *keyfactor.APIError
//	switch {
//	case errors.Is(err, keyfactor.ErrValidation): // fix the input
//	case errors.Is(err, keyfactor.ErrNotFound): // no such certificate
//	case errors.As(err, &apiErr): // apiErr.StatusCode, apiErr.ErrorCode, apiErr.Message
//	}
//
// # Retries
//
// Requests go through go-retryablehttp with an idempotency-aware policy.
// GET and PUT (the owner update is idempotent) retry on connection errors,
// 429, 502, 503 and 504. A POST (role create, copy) is retried only when the
// server cannot have acted on it: the connection was never established, or
// the answer was 429 or 503; never after a timeout or a connection lost
// mid-request: such a failure matches ErrOutcomeUnknown, and Roles.Create,
// Clone and Apply then read the role back instead of sending it twice.
// DELETE is retried like GET; a 404 after an attempt that may have landed
// means the role is gone. Waits grow exponentially from RetryPolicy.MinWait with jitter, honour
// Retry-After up to RetryPolicy.MaxWait, and end at once when the context is
// done. Without a context deadline one call lasts at most about
// (MaxRetries+1)·Timeout + MaxRetries·MaxWait (4 min 30 s with the defaults),
// so pass a context with a deadline.
//
// # Enrollment
//
// Enrollment.CSR issues a certificate for a key the caller keeps;
// Enrollment.PFX one whose key Command makes. Both return an Enrollment:
// issued, with a CertificateBundle of x509 values (the leaf found by the
// chain's topology, never by position; issuers leaf-first; the key for a
// PFX), or pending approval, which Enrollment.Wait follows until the
// certificate exists or the request is denied (ErrDenied):
//
//	e, err := client.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{CSR: csrPEM,
//		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, IncludeChain: true})
//	if err == nil && e.Status == keyfactor.EnrollmentPending {
//		e, err = client.Enrollment.Wait(ctx, e)
//	}
//	certs, _, err := e.Bundle.PEM() // the chain a server loads, leaf first
//
// An enrollment is never sent twice: after a lost answer CSR finds its
// certificate by the CSR's public key, PFX by subject, template and import
// time (Enrollment.Recovered), and none or several is ErrOutcomeUnknown.
// Certificates.Download and Recover fetch a certificate (Recover with the
// key Command holds, under a one-time password that never leaves the
// process). No password, archive or key appears in fmt, slog or JSON
// output, an error or a log line. Templates and CertificateAuthorities name
// what enrollment takes.
//
// # Roles
//
// Roles.List is a Go iterator over every page of the role list (Keyfactor
// answers 50 a page by default and gives no total); a page is read only when
// the loop needs it. List items are summaries: GetByName and Get return the
// whole role, and never one renamed between the list and the read. Update
// replaces a role (the server clears what a PUT leaves out, so nil
// Permissions or Claims are refused); Modify reads, changes, writes and
// verifies, never re-sends its write, and runs one at a time per role on a
// Client. Delete is retried safely: when a retry answers 404 after an
// attempt that may have deleted the role, it returns nil; a 404 on the
// first attempt (deleting a role that is not there) is ErrNotFound. Plan
// and Apply make the server hold a desired role and do nothing when it
// already does; they find the stored role ignoring case, as Command
// compares names, and leave a nil Permissions or Claims unmanaged:
//
//	plan, role, err := client.Roles.Apply(ctx, keyfactor.CreateRoleRequest{Name: "PKI Operators",
//		Description: "Operators of the issuing CAs", Permissions: []string{"/portal/read/"}})
//
// DecodeRoles reads role files strictly (unknown keys, a key written twice in
// any case, trailing data), accepting what Roles.Get returns; Validate checks
// a role offline.
//
// Roles.Sync makes the server hold a whole set at once: one pass over the
// role list, concurrent reads of only the roles the set names, every
// definition (and what the server would refuse) checked before the first
// write, then bounded concurrent writes; with Prune it deletes the roles the
// set does not name, never the immutable role, a Protect name or a role the
// caller holds (unless PruneOwn names it). A
// permission may name its collection or container instead of its id
// ("/certificates/collections/read/{collection:Web Servers}/"), so that one
// role file serves every environment; Plan, Apply and Sync resolve it,
// and refuse a placeholder of the wrong kind for its permission.
//
// # Permission sets and the caller
//
// PermissionSets manages the sets that bound what a role may be granted;
// Security.Me tells who the caller is and, with Me.Has, what it may do.
// Roles.Plan and Apply read a role's permission set and refuse, before any
// write, permissions the set does not cover.
//
// Claims manages security claims as objects, and Roles.AddClaim and
// RemoveClaim change a role's claims through Modify; Collections and
// Containers turn the names people use into the ids permissions and owner
// scopes carry.
//
// Every lister reads pages until one comes back short, and ends with an
// error rather than reading without end or into memory when a server breaks
// the paging protocol (a page repeated, a page longer than asked for).
//
// # Security
//
// Redirects are not followed (API calls and token requests alike; a 3xx
// answer is an *APIError), unless Config.HTTPClient.CheckRedirect says
// otherwise. Credentials a server echoes are redacted from errors, logs and
// token errors in every encoding it may echo them in. No response outlives
// Config.Timeout or the context, and body buffers grow with the bytes that
// arrive. A failed OAuth token request answers every caller waiting on it.
//
// # Bulk changes
//
// Certificates.UpdateOwners gives many certificates the same owner with a
// bounded number of requests in flight, reports each certificate's outcome,
// and stops starting new requests when the context ends.
//
// # Command-line tool
//
// cmd/keyfactor wraps these calls for scripts, reading the same KEYFACTOR_*
// variables, with JSON output and distinct exit codes; see the README.
//
// # Testing with keyfactortest
//
// Package keyfactortest runs an in-process fake Keyfactor Command, like
// net/http/httptest, for tests of code built on this SDK:
//
//	srv := keyfactortest.NewServer()
//	defer srv.Close()
//	client, _ := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, AllowInsecureHTTP: true,
//		Auth: keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword}})
package keyfactor
