package keyfactortest

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// authenticate resolves the caller's account from basic or bearer
// credentials. It runs under s.mu.
func (s *Server) authenticate(r *http.Request) (*account, int, string) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, http.StatusUnauthorized, "The basic credentials are not valid base64."
		}
		user, pw, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, http.StatusUnauthorized, "The basic credentials have no password."
		}
		a := s.users[strings.ToLower(normalizeAccount(user))]
		if a == nil || a.password == "" || subtle.ConstantTimeCompare([]byte(a.password), []byte(pw)) != 1 {
			return nil, http.StatusUnauthorized, "The user name or password is incorrect."
		}
		return a, 0, ""
	case "bearer":
		if a := s.tokens[cred]; a != nil {
			return a, 0, ""
		}
		return nil, http.StatusUnauthorized, "The access token is not valid."
	case "":
		return nil, http.StatusUnauthorized, "Authorization has been denied for this request."
	}
	return nil, http.StatusUnauthorized, "Unsupported authorization scheme '" + scheme + "'."
}

// normalizeAccount turns user@DOMAIN into DOMAIN\user, as Keyfactor's
// Active Directory login does.
func normalizeAccount(u string) string {
	if strings.Contains(u, `\`) {
		return u
	}
	if name, domain, ok := strings.Cut(u, "@"); ok {
		return domain + `\` + name
	}
	return u
}

// serveToken is the fake identity provider's client-credentials endpoint.
// Credentials may come in the form or in a basic Authorization header.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRequests++
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	c := s.oauthClients[id]
	if c == nil || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "Invalid client or Invalid client credentials"})
		return
	}
	s.issued++
	tok := fmt.Sprintf("keyfactortest-oauth-%d", s.issued)
	s.tokens[tok] = c.acct
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300})
}

// perm is a parsed v2 permission: a path ending in "/" and an optional scope.
type perm struct {
	path  string
	scope int
}

// parsePerm reads "/a/b/" or "/a/b/5/". It reports false for anything else.
func parsePerm(p string) (perm, bool) {
	if p == "/" {
		return perm{path: "/"}, true
	}
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return perm{}, false
	}
	segs := strings.Split(p[1:len(p)-1], "/")
	out := perm{}
	if n, err := strconv.Atoi(segs[len(segs)-1]); err == nil {
		if n <= 0 || len(segs) == 1 || strconv.Itoa(n) != segs[len(segs)-1] {
			return perm{}, false
		}
		out.scope = n
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		if seg == "" || strings.Trim(seg, "abcdefghijklmnopqrstuvwxyz_-") != "" {
			return perm{}, false
		}
	}
	out.path = "/" + strings.Join(segs, "/") + "/"
	return out, true
}

func parsePerms(ps []string) []perm {
	var out []perm
	for _, p := range ps {
		if pp, ok := parsePerm(p); ok {
			out = append(out, pp)
		}
	}
	return out
}

// grants reports whether holding g allows need: g's path is need's path or
// one of its parents, and g is global or scoped to need's scope.
func (g perm) grants(need perm) bool {
	return strings.HasPrefix(need.path, g.path) && (g.scope == 0 || g.scope == need.scope)
}

// has reports whether the caller holds need, itself or through its roles.
func (c *reqCtx) has(need perm) bool {
	for _, g := range c.s.grants(c.acct) {
		if g.grants(need) {
			return true
		}
	}
	return false
}

// requireSecurityModify answers 403 and returns false unless the caller
// holds /security/modify/ in a role of the Global permission set, or as
// permissions given to its account directly (AddUser, a seed's Users):
// Command's rule for every write to roles, claims and permission sets.
// Without it, a delegate whose role sits in a narrower set could create a
// set holding "/", then a role in it for itself.
func (c *reqCtx) requireSecurityModify(what string) bool {
	need := perm{path: "/security/modify/"}
	global := slices.Clone(c.acct.permissions)
	for _, r := range c.s.rolesOf(c.acct) {
		if strings.EqualFold(r.PermissionSetID, GlobalPermissionSetID) {
			global = append(global, parsePerms(r.PermissionsV2)...)
		}
	}
	if slices.ContainsFunc(global, func(g perm) bool { return g.grants(need) }) {
		return true
	}
	if c.has(need) {
		writeError(c.w, http.StatusForbidden, codeForbidden, fmt.Sprintf(
			"User %s holds '/security/modify/' only in roles outside the Global permission set; it must be held in a role of the Global set to %s.",
			c.acct.name, what))
		return false
	}
	c.deny(permString(need), what)
	return false
}

// require answers 403 and returns false when the caller lacks need.
func (c *reqCtx) require(need perm, what string) bool {
	if c.has(need) {
		return true
	}
	c.deny(permString(need), what)
	return false
}

// deny answers 403 naming the permission (or permissions) needed.
func (c *reqCtx) deny(permission, what string) {
	writeError(c.w, http.StatusForbidden, codeForbidden,
		fmt.Sprintf("User %s does not have the permission '%s' required to %s.", c.acct.name, permission, what))
}

func permString(p perm) string {
	if p.scope == 0 {
		return p.path
	}
	return p.path + strconv.Itoa(p.scope) + "/"
}
