package keyfactortest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Certificate is a certificate the server knows, with the collections and
// the certificate store container it belongs to.
type Certificate struct {
	ID            int
	CollectionIDs []int
	ContainerID   int
	// OwnerRoleID is the owning role's id; 0 means no owner.
	OwnerRoleID int
	// OwnerRequired mirrors an enrollment pattern or system policy that
	// makes the Certificate Owner Role required: clearing is refused.
	OwnerRequired bool
}

// AddCertificate adds or replaces a certificate.
func (s *Server) AddCertificate(c Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.CollectionIDs = slices.Clone(c.CollectionIDs)
	s.certs[c.ID] = &c
}

// Owner returns the id of the role owning a certificate; ok is false when
// the certificate is unknown or has no owner.
func (s *Server) Owner(certificateID int) (roleID int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.certs[certificateID]
	if c == nil || c.OwnerRoleID == 0 {
		return 0, false
	}
	return c.OwnerRoleID, true
}

// ownerRequest is the body of PUT /Certificates/{id}/Owner. Pointers tell an
// absent field from a zero one.
type ownerRequest struct {
	NewRoleID   *int    `json:"NewRoleId"`
	NewRoleName *string `json:"NewRoleName"`
}

// putOwner serves PUT /Certificates/{id}/Owner (v1; the v2 header is
// accepted too, as the endpoint has a single version).
func (s *Server) putOwner(c *reqCtx, idText string) {
	id, err := strconv.Atoi(idText)
	if err != nil || id <= 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The certificate id must be a positive integer.")
		return
	}
	q := c.r.URL.Query()
	collection, okCol := queryInt(q.Get("CollectionId"))
	container, okCon := queryInt(q.Get("ContainerId"))
	if !okCol || !okCon {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "CollectionId and ContainerId must be integers.")
		return
	}
	if collection > 0 {
		container = 0 // Keyfactor: CollectionId takes precedence and ContainerId is ignored.
	}
	var req ownerRequest
	if len(c.body) == 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A request body is required.")
		return
	}
	if err := decodeStrict(c.body, &req); err != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The request body is not valid: "+err.Error())
		return
	}
	cert := s.certs[id]
	if cert == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", id))
		return
	}
	switch {
	case collection > 0:
		if !c.require(perm{path: "/certificates/collections/change_owner/", scope: collection}, "change owners in this collection") {
			return
		}
		if !slices.Contains(cert.CollectionIDs, collection) {
			writeError(c.w, http.StatusForbidden, codeForbidden,
				fmt.Sprintf("Certificate %d is not in collection %d.", id, collection))
			return
		}
	case container > 0:
		if !c.require(perm{path: "/certificate_stores/change_owner/", scope: container}, "change owners in this container") {
			return
		}
		if cert.ContainerID != container {
			writeError(c.w, http.StatusForbidden, codeForbidden,
				fmt.Sprintf("Certificate %d is not in container %d.", id, container))
			return
		}
	default:
		if !c.require(perm{path: "/certificates/collections/change_owner/"}, "change certificate owners") {
			return
		}
	}

	switch {
	case req.NewRoleID != nil && req.NewRoleName != nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Provide either NewRoleId or NewRoleName, not both.")
	case req.NewRoleID != nil:
		r := s.roles[*req.NewRoleID]
		if r == nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("Security role with Id %d was not found.", *req.NewRoleID))
			return
		}
		cert.OwnerRoleID = r.ID
		c.w.WriteHeader(http.StatusNoContent)
	case req.NewRoleName != nil:
		// An empty name does not clear the owner (seen against Command 25.5):
		// it names a role that does not exist.
		r := s.roleByName(*req.NewRoleName)
		if r == nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("Security role '%s' was not found.", *req.NewRoleName))
			return
		}
		cert.OwnerRoleID = r.ID
		c.w.WriteHeader(http.StatusNoContent)
	default:
		if cert.OwnerRequired {
			writeError(c.w, http.StatusBadRequest, codeBadRequest,
				"The certificate owner role cannot be removed because a Certificate Owner Role is required by policy.")
			return
		}
		cert.OwnerRoleID = 0
		c.w.WriteHeader(http.StatusNoContent)
	}
}

func queryInt(v string) (int, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// roleByName finds a role by name, case-insensitively as Command does.
func (s *Server) roleByName(name string) *storedRole {
	for _, r := range s.roles {
		if strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}
