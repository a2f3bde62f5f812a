package keyfactor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Permission is a parsed v2 permission: a path such as
// "/certificates/collections/read/" and, for collection- or
// container-scoped grants, the scope id that follows it on the wire.
type Permission struct {
	Path    string // with leading and trailing "/", no scope id
	ScopeID int    // 0 for a global grant
}

// String returns the permission as Keyfactor writes it,
// e.g. "/certificates/collections/read/5/".
func (p Permission) String() string {
	if p.ScopeID == 0 {
		return p.Path
	}
	return p.Path + strconv.Itoa(p.ScopeID) + "/"
}

// ParsePermission parses a v2 permission: "/" (full control) or lower-case
// segments of [a-z_-] between slashes, optionally followed by a numeric scope
// id greater than 0, e.g. "/certificates/collections/read/5/". It checks the
// grammar only; an unknown but well-formed permission parses.
func ParsePermission(s string) (Permission, error) {
	if s == "/" {
		return Permission{Path: "/"}, nil
	}
	if len(s) < 3 || s[0] != '/' || s[len(s)-1] != '/' {
		return Permission{}, errors.New(`must start and end with "/"`)
	}
	// Scan the segments in place: this runs for every permission of every
	// role create, so it allocates nothing on success.
	path := s
	scope := 0
	last := s[strings.LastIndexByte(s[:len(s)-1], '/')+1 : len(s)-1]
	if last != "" && last[0] >= '0' && last[0] <= '9' {
		id, err := strconv.Atoi(last)
		if err != nil || id <= 0 || strconv.Itoa(id) != last {
			return Permission{}, fmt.Errorf("scope id %q must be a whole number greater than 0", last)
		}
		if len(last)+2 == len(s) {
			return Permission{}, errors.New("a scope id must follow a permission path")
		}
		scope = id
		path = s[:len(s)-len(last)-1]
	}
	start := 1
	for i := 1; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '/':
			if i == start {
				return Permission{}, errors.New("has an empty segment")
			}
			start = i + 1
		case (c < 'a' || c > 'z') && c != '_' && c != '-':
			end := strings.IndexByte(path[start:], '/') + start
			return Permission{}, fmt.Errorf("segment %q may hold only a-z, _ and -", path[start:end])
		}
	}
	return Permission{Path: path, ScopeID: scope}, nil
}

// Covers reports whether holding p grants q, as Keyfactor's v2 grants
// nest: p's path is q's path or one of its parents ("/" covers everything,
// "/certificates/" covers "/certificates/collections/read/5/"), and p is
// global or scoped to the same id as q (a grant on collection 5 covers
// nothing on collection 6, nor the global permission).
func (p Permission) Covers(q Permission) bool {
	return strings.HasPrefix(q.Path, p.Path) && (p.ScopeID == 0 || p.ScopeID == q.ScopeID)
}

// coveredBy reports whether one of grants (v2 strings; malformed ones
// grant nothing) covers p.
func coveredBy(p Permission, grants []string) bool {
	for _, g := range grants {
		if gp, err := ParsePermission(g); err == nil && gp.Covers(p) {
			return true
		}
	}
	return false
}

// CollectionPermission returns the v2 permission for an action on one
// certificate collection: CollectionPermission("read", 5) is
// "/certificates/collections/read/5/". Actions are the leaves under
// /certificates/collections/, such as "change_owner" or "metadata/modify".
func CollectionPermission(action string, collectionID int) string {
	return Permission{Path: "/certificates/collections/" + strings.Trim(action, "/") + "/", ScopeID: collectionID}.String()
}

// ContainerPermission returns the v2 permission for an action on one
// certificate store container: ContainerPermission("change_owner", 3) is
// "/certificate_stores/change_owner/3/".
func ContainerPermission(action string, containerID int) string {
	return Permission{Path: "/certificate_stores/" + strings.Trim(action, "/") + "/", ScopeID: containerID}.String()
}

// KnownPermission reports whether p is a v2 permission path this SDK knows
// from Keyfactor's documentation (the scope id is ignored). Newer servers add
// permissions, so an unknown one is not an error.
func KnownPermission(p string) bool {
	parsed, err := ParsePermission(p)
	return err == nil && parsed.known()
}

// known reports whether the path is documented and, for a scoped grant,
// whether the path takes a scope.
func (p Permission) known() bool {
	scopable, ok := knownV2[p.Path]
	return ok && (p.ScopeID == 0 || scopable)
}

// ParsePermissionV1 parses a legacy v1 permission of the form "Area:Level",
// e.g. "Certificates:Read". It checks the grammar only.
func ParsePermissionV1(s string) (area, level string, err error) {
	area, level, ok := strings.Cut(s, ":")
	if !ok || !isLetters(area) || !isLetters(level) {
		return "", "", errors.New(`must have the form "Area:Level", e.g. "Certificates:Read"`)
	}
	return area, level, nil
}

// KnownPermissionV1 reports whether p is a v1 permission this SDK knows from
// Keyfactor's documentation.
func KnownPermissionV1(p string) bool {
	area, level, err := ParsePermissionV1(p)
	if err != nil {
		return false
	}
	for _, l := range knownV1[area] {
		if l == level {
			return true
		}
	}
	return false
}

func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// checkPermissionsV2 reports malformed, duplicate and redundant v2 grants
// (a path together with one of its parents at the same scope, which the
// server rejects as "Redundant permissions detected"). It returns the
// well-formed permissions this SDK does not know, for a debug note.
func checkPermissionsV2(v *validator, perms []string) (unknown []string) {
	return checkPermissionList(v, perms, true)
}

// checkPermissionList is checkPermissionsV2, optionally without the
// redundancy rule: Keyfactor documents that rule for roles, not for
// permission sets, so a set's list is checked for grammar and repeats only.
func checkPermissionList(v *validator, perms []string, redundancy bool) (unknown []string) {
	if len(perms) == 0 {
		return nil
	}
	seen := make(map[Permission]int, len(perms))
	parsed := make([]Permission, len(perms)) // zero Path: not well-formed or repeated
	for i, s := range perms {
		p, err := ParsePermission(s)
		if err != nil {
			v.addf(permField(i), "%q %v", s, err)
			continue
		}
		if j, dup := seen[p]; dup {
			v.addf(permField(i), "%q repeats Permissions[%d]", s, j)
			continue
		}
		seen[p], parsed[i] = i, p
		if !p.known() {
			unknown = append(unknown, s)
		}
	}
	for i, p := range parsed {
		if !redundancy {
			break
		}
		for parent := parentPath(p.Path); parent != ""; parent = parentPath(parent) {
			if j, found := seen[Permission{Path: parent, ScopeID: p.ScopeID}]; found {
				v.addf(permField(i), "%q is redundant: Permissions[%d] %q already grants it", perms[i], j, perms[j])
				break
			}
		}
	}
	return unknown
}

// permField names the i-th permission; it is built only for a problem.
func permField(i int) string { return "Permissions[" + strconv.Itoa(i) + "]" }

// parentPath returns "/a/" for "/a/b/", "/" for "/a/", and "" for "/" or "".
func parentPath(p string) string {
	if len(p) <= 1 {
		return ""
	}
	i := strings.LastIndexByte(p[:len(p)-1], '/')
	return p[:i+1]
}

// checkPermissionsV1 reports malformed and duplicate v1 grants and returns
// the unknown well-formed ones.
func checkPermissionsV1(v *validator, perms []string) (unknown []string) {
	seen := make(map[string]int, len(perms))
	for i, s := range perms {
		if _, _, err := ParsePermissionV1(s); err != nil {
			v.addf(permField(i), "%q %v", s, err)
			continue
		}
		if j, dup := seen[s]; dup {
			v.addf(permField(i), "%q repeats Permissions[%d]", s, j)
			continue
		}
		seen[s] = i
		if !KnownPermissionV1(s) {
			unknown = append(unknown, s)
		}
	}
	return unknown
}

// knownV2 holds every documented v2 path and each of its parents; the value
// says whether the path takes a scope id.
var knownV2 = buildKnownV2()

func buildKnownV2() map[string]bool {
	leaves := []string{
		"/agents/auto_registration/modify/", "/agents/auto_registration/read/",
		"/agents/management/modify/", "/agents/management/read/",
		"/agents/management/mac/auto-enrollment/management/modify/",
		"/agents/management/mac/auto-enrollment/management/read/",
		"/application_settings/modify/", "/application_settings/read/",
		"/auditing/read/",
		"/certificate_authorities/modify/", "/certificate_authorities/read/",
		"/certificate_stores/modify/", "/certificate_stores/read/", "/certificate_stores/schedule/",
		"/certificate_templates/modify/", "/certificate_templates/read/",
		"/certificates/enrollment/csr_generation/", "/certificates/enrollment/csr/", "/certificates/enrollment/pfx/",
		"/certificates/expanded_change_owner/", "/certificates/import/", "/certificates/requests/manage/",
		"/dashboard/read/", "/dashboard/risk_header/read/", "/enrollment_pattern/modify/", "/enrollment_pattern/read/",
		"/identity_providers/modify/", "/identity_providers/read/",
		"/metadata/types/modify/", "/metadata/types/read/",
		"/monitoring/alerts/modify/", "/monitoring/alerts/read/", "/monitoring/alerts/schedule/",
		"/monitoring/alerts/schedule/revocation/", "/monitoring/alerts/test/",
		"/monitoring/handlers/registration/modify/", "/monitoring/handlers/registration/read/",
		"/pam/modify/", "/pam/read/", "/portal/read/", "/reports/modify/", "/reports/read/",
		"/scripts/modify/", "/scripts/read/", "/security/modify/", "/security/read/",
		"/ssh/enterprise_admin/", "/ssh/server_admin/", "/ssh/user/", "/ssl/modify/", "/ssl/read/",
		"/system_settings/modify/", "/system_settings/read/",
		"/workflows/definitions/modify/", "/workflows/definitions/read/",
		"/workflows/instances/manage/", "/workflows/instances/read/",
		"/workflows/instances/read/mine/", "/workflows/instances/read/pending/",
	}
	scoped := []string{"/certificate_stores/change_owner/"}
	for _, a := range []string{"change_owner", "delete", "metadata/modify", "modify", "private_key/import",
		"private_key/read", "read", "revoke"} {
		scoped = append(scoped, "/certificates/collections/"+a+"/")
	}
	m := make(map[string]bool)
	add := func(p string, scope bool) {
		m[p] = m[p] || scope
		for parent := parentPath(p); parent != ""; parent = parentPath(parent) {
			if _, ok := m[parent]; !ok {
				m[parent] = false
			}
		}
	}
	for _, p := range leaves {
		add(p, false)
	}
	for _, p := range scoped {
		add(p, true)
	}
	return m
}

// knownV1 lists the documented v1 areas and their levels.
var knownV1 = map[string][]string{
	"AdminPortal":                {"Read"},
	"AgentAutoRegistration":      {"Read", "Modify"},
	"AgentManagement":            {"Read", "Modify"},
	"API":                        {"Read"},
	"ApplicationSettings":        {"Read", "Modify"},
	"Auditing":                   {"Read"},
	"CertificateCollections":     {"Modify"},
	"CertificateEnrollment":      {"EnrollPFX", "EnrollCSR", "CsrGeneration", "PendingCsr"},
	"CertificateMetadataTypes":   {"Read", "Modify"},
	"CertificateStoreManagement": {"Read", "Schedule", "Modify"},
	"Certificates":               {"Read", "EditMetadata", "Import", "Recover", "Revoke", "Delete", "ImportPrivateKey"},
	"Dashboard":                  {"Read"},
	"MacAutoEnrollManagement":    {"Read", "Modify"},
	"Monitoring":                 {"Read", "Modify", "Test"},
	"PkiManagement":              {"Read", "Modify"},
	"Reports":                    {"Read", "Modify"},
	"SecuritySettings":           {"Read", "Modify"},
	"SystemSettings":             {"Read", "Modify"},
	"WorkflowManagement":         {"Read", "Modify", "Test", "Participate"},
	"SSH":                        {"User", "ServerAdmin", "EnterpriseAdmin"},
	"SslManagement":              {"Read", "Modify"},
}
