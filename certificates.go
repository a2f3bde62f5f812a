package keyfactor

import (
	"context"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// CertificatesService reads certificates and changes their owners. Reach it
// as Client.Certificates.
type CertificatesService struct{ c *Client }

// UpdateOwnerRequest names the security role that becomes a certificate's
// owner. Set exactly one of NewRoleID and NewRoleName; to remove the owner
// use ClearOwner.
type UpdateOwnerRequest struct {
	NewRoleID   *int
	NewRoleName *string
	// CollectionID optionally names the certificate collection whose
	// permissions authorize the change. It takes precedence over ContainerID:
	// when both are set only CollectionID is sent, as the server would ignore
	// ContainerID anyway.
	CollectionID int
	// ContainerID optionally names the certificate store container whose
	// permissions authorize the change.
	ContainerID int
}

// OwnerScope optionally names the collection or container whose permissions
// authorize an owner change; CollectionID takes precedence.
type OwnerScope struct {
	CollectionID, ContainerID int
}

// ownerQuery is the query of PUT /Certificates/{id}/Owner.
type ownerQuery struct {
	CollectionID int `url:"CollectionId,omitempty"`
	ContainerID  int `url:"ContainerId,omitempty"`
}

// ownerBody is the body of PUT /Certificates/{id}/Owner. Both fields are
// omitted to clear the owner: an empty NewRoleName does not clear it.
type ownerBody struct {
	NewRoleID   *int    `json:"NewRoleId,omitempty"`
	NewRoleName *string `json:"NewRoleName,omitempty"`
}

// UpdateOwner makes a security role the owner of a certificate
// (PUT /Certificates/{id}/Owner, API v1). The call is idempotent and is
// retried on transient failures. The caller needs change-owner permission,
// globally or on the collection or container named in the request.
//
// Bad input returns a *ValidationError and sends nothing. Server answers
// come back as *APIError: 400 for an unknown role, 403 for a missing
// permission, 404 for an unknown certificate.
func (s *CertificatesService) UpdateOwner(ctx context.Context, certificateID int, req UpdateOwnerRequest) error {
	v := newValidator("Certificates.UpdateOwner")
	v.positive("certificateID", certificateID)
	req.check(v)
	if err := v.err(); err != nil {
		return err
	}
	scope := OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}
	return s.putOwner(ctx, certificateID, scope, ownerBody{NewRoleID: req.NewRoleID, NewRoleName: req.NewRoleName})
}

// Validate checks the request as UpdateOwner does before sending
// anything, without a server: a *ValidationError naming every bad field,
// or nil.
func (req UpdateOwnerRequest) Validate() error {
	v := newValidator("UpdateOwnerRequest.Validate")
	req.check(v)
	return v.err()
}

// check reports every problem of the request itself into v.
func (req UpdateOwnerRequest) check(v *validator) {
	switch {
	case req.NewRoleID == nil && req.NewRoleName == nil:
		v.add("NewRoleID", "set NewRoleID or NewRoleName (to remove the owner use ClearOwner)")
	case req.NewRoleID != nil && req.NewRoleName != nil:
		v.add("NewRoleName", "set only one of NewRoleID and NewRoleName")
	case req.NewRoleID != nil:
		v.positive("NewRoleID", *req.NewRoleID)
	default:
		v.notBlank("NewRoleName", *req.NewRoleName)
	}
	OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}.check(v)
}

// ClearOwner removes a certificate's owner (PUT /Certificates/{id}/Owner
// with neither NewRoleId nor NewRoleName). The server refuses with a 400
// when the enrollment pattern or system policy requires an owner.
func (s *CertificatesService) ClearOwner(ctx context.Context, certificateID int, scope OwnerScope) error {
	v := newValidator("Certificates.ClearOwner")
	v.positive("certificateID", certificateID)
	scope.check(v)
	if err := v.err(); err != nil {
		return err
	}
	return s.putOwner(ctx, certificateID, scope, ownerBody{})
}

func (o OwnerScope) check(v *validator) {
	v.notNegative("CollectionID", o.CollectionID)
	v.notNegative("ContainerID", o.ContainerID)
}

func (s *CertificatesService) putOwner(ctx context.Context, id int, scope OwnerScope, body ownerBody) error {
	q := ownerQuery(scope)
	if q.CollectionID > 0 && q.ContainerID > 0 {
		if s.c.logger != nil {
			s.c.logger.DebugContext(ctx, "keyfactor: CollectionID takes precedence; ContainerID not sent",
				slog.Int("CollectionID", q.CollectionID), slog.Int("ContainerID", q.ContainerID))
		}
		q.ContainerID = 0
	}
	cl := call{method: http.MethodPut, path: "Certificates/" + strconv.Itoa(id) + "/Owner", version: v1, body: body}
	if q != (ownerQuery{}) {
		cl.query = q // go-querystring's reflection is skipped when there is no scope
	}
	return s.c.do(ctx, cl, nil)
}

// BulkOptions tunes UpdateOwners.
type BulkOptions struct {
	// Concurrency is the most requests in flight at once; default 8. Keep it
	// near DefaultMaxIdleConnsPerHost or below, so connections are reused.
	Concurrency int
	// Progress, when set, is called after each certificate with the number
	// done so far, the total, and that certificate's result. Calls are
	// serialized, never concurrent.
	Progress func(done, total int, r OwnerResult)
}

// OwnerResult is the outcome for one certificate of UpdateOwners.
type OwnerResult struct {
	CertificateID int
	Err           error // nil on success; an *APIError, a transport or a context error otherwise
}

// DefaultBulkConcurrency is UpdateOwners' concurrency when
// BulkOptions.Concurrency is zero.
const DefaultBulkConcurrency = 8

// UpdateOwners gives many certificates the same owner, with at most
// opts.Concurrency requests in flight. req's certificate-independent rules
// and every id are checked first; any problem returns a *ValidationError and
// nothing is sent.
//
// Each certificate's outcome is in the returned results, in the order of
// ids. When ctx ends, no new request is started: the results hold only the
// certificates that were attempted, and the error is ctx's.
//
// Otherwise the error is nil, and a nil error says only that every
// certificate was attempted — not that any owner changed. Each failure
// (a 403, an unknown certificate, a target role that does not exist: the
// server answers 400 to every PUT naming it) is in that certificate's
// OwnerResult.Err; check every result. PlanOwners resolves the target role
// before anything is written, so that a mistyped role fails once there
// instead of once per certificate here.
func (s *CertificatesService) UpdateOwners(ctx context.Context, ids []int, req UpdateOwnerRequest, opts BulkOptions) ([]OwnerResult, error) {
	v := newValidator("Certificates.UpdateOwners")
	for i, id := range ids {
		if id <= 0 {
			v.addf("ids["+strconv.Itoa(i)+"]", "must be greater than 0, got %d", id)
		}
	}
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = DefaultBulkConcurrency
	}
	scope := OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}
	body := ownerBody{NewRoleID: req.NewRoleID, NewRoleName: req.NewRoleName}
	results := make([]OwnerResult, len(ids))
	var mu sync.Mutex // serializes Progress
	done := 0
	// Certificates start in order and none after ctx ends, so the attempted
	// ones are always results[:launched].
	launched := forEach(ctx, len(ids), workers, func(i int) {
		results[i] = OwnerResult{CertificateID: ids[i], Err: s.putOwner(ctx, ids[i], scope, body)}
		if opts.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			done++
			opts.Progress(done, len(ids), results[i])
		}
	})
	return results[:launched], ctx.Err()
}

// Certificate is a certificate as GET /Certificates returns it (API v1):
// Keyfactor's retrieval model, with Go names. Times are UTC when the server
// sends no zone offset. Optional numbers the server may send as null are
// pointers (nil: none).
type Certificate struct {
	ID           int       `json:"Id"`
	Thumbprint   string    `json:"Thumbprint"`
	SerialNumber string    `json:"SerialNumber"`
	IssuedDN     string    `json:"IssuedDN"`
	IssuedCN     string    `json:"IssuedCN"`
	IssuedOU     string    `json:"IssuedOU,omitempty"`
	IssuedEmail  string    `json:"IssuedEmail,omitempty"`
	IssuerDN     string    `json:"IssuerDN"`
	ImportDate   time.Time `json:"ImportDate"`
	NotBefore    time.Time `json:"NotBefore"`
	NotAfter     time.Time `json:"NotAfter"`
	// PrincipalID and PrincipalName name the certificate's principal (the
	// identity it was issued to, for user certificates), when known.
	PrincipalID              *int   `json:"PrincipalId"`
	PrincipalName            string `json:"PrincipalName,omitempty"`
	TemplateID               *int   `json:"TemplateId"`
	TemplateName             string `json:"TemplateName"`
	EnrollmentPatternID      *int   `json:"EnrollmentPatternId,omitempty"`
	CertificateAuthorityID   *int   `json:"CertificateAuthorityId"`
	CertificateAuthorityName string `json:"CertificateAuthorityName"`
	// CARowIndex and CARecordID locate the certificate in its CA's
	// database.
	CARowIndex *int64 `json:"CARowIndex,omitempty"`
	CARecordID string `json:"CARecordId,omitempty"`
	// CertRequestID is the enrollment request that produced the
	// certificate, when it was enrolled through Command.
	CertRequestID *int `json:"CertRequestId,omitempty"`
	// CertState is Keyfactor's state number (1 active, 2 revoked, ...);
	// CertStateString names it.
	CertState       int    `json:"CertState"`
	CertStateString string `json:"CertStateString"`
	// KeyType is Keyfactor's key type number; KeyTypeString names it (RSA,
	// ECC, ...). Curve names an elliptic curve key's curve.
	KeyType          int    `json:"KeyType"`
	KeyTypeString    string `json:"KeyTypeString"`
	KeySizeInBits    int    `json:"KeySizeInBits"`
	KeyAlgorithm     string `json:"KeyAlgorithm"`
	Curve            string `json:"Curve,omitempty"`
	SigningAlgorithm string `json:"SigningAlgorithm"`
	// KeyUsage is the key usage extension as a bit field; DetailedKeyUsage
	// spells it out.
	KeyUsage         int               `json:"KeyUsage"`
	DetailedKeyUsage *DetailedKeyUsage `json:"DetailedKeyUsage,omitempty"`
	// ExtendedKeyUsages are the certificate's EKUs.
	ExtendedKeyUsages []ExtendedKeyUsage `json:"ExtendedKeyUsages,omitempty"`
	// The Alt fields describe the alternative (post-quantum) key of a
	// hybrid certificate; they are empty for others.
	AltKeyType          int    `json:"AltKeyType,omitempty"`
	AltKeyTypeString    string `json:"AltKeyTypeString,omitempty"`
	AltKeySizeInBits    int    `json:"AltKeySizeInBits,omitempty"`
	AltKeyAlgorithm     string `json:"AltKeyAlgorithm,omitempty"`
	AltSigningAlgorithm string `json:"AltSigningAlgorithm,omitempty"`
	HasAltPrivateKey    bool   `json:"HasAltPrivateKey,omitempty"`
	// OwnerRoleID and OwnerRoleName name the owning security role; nil and
	// "" when the certificate has no owner.
	OwnerRoleID   *int   `json:"OwnerRoleId"`
	OwnerRoleName string `json:"OwnerRoleName"`
	RequesterID   *int   `json:"RequesterId,omitempty"`
	RequesterName string `json:"RequesterName"`
	// RevocationEffDate, RevocationReason and RevocationComment are set for
	// a revoked certificate.
	RevocationEffDate *time.Time `json:"RevocationEffDate"`
	RevocationReason  *int       `json:"RevocationReason"`
	RevocationComment string     `json:"RevocationComment,omitempty"`
	// HasPrivateKey is reported by Get; List reports it only with
	// ListCertificatesOptions.IncludeHasPrivateKey (else it reads false).
	HasPrivateKey bool `json:"HasPrivateKey"`
	// ArchivedKey and KeyRecoverable say whether Command holds the private
	// key, and whether it can be recovered.
	ArchivedKey    bool `json:"ArchivedKey,omitempty"`
	KeyRecoverable bool `json:"KeyRecoverable,omitempty"`
	// ContentBytes is the certificate itself (DER), when the server sends it.
	ContentBytes []byte `json:"ContentBytes,omitempty"`
	// SubjectAltNames are the certificate's SAN entries.
	SubjectAltNames []SubjectAltName `json:"SubjectAltNameElements"`
	// CRLDistributionPoints are the CRL URLs the certificate names.
	CRLDistributionPoints []CRLDistributionPoint `json:"CRLDistributionPoints,omitempty"`
	// LocationsCount, Locations and SSLLocations say where the certificate
	// is deployed: how many certificate stores of each type hold it, each
	// store, and each endpoint SSL discovery found it on. The server fills
	// them only when asked (GetCertificateOptions.IncludeLocations,
	// ListCertificatesOptions.IncludeLocations); otherwise they are empty.
	LocationsCount []LocationCount       `json:"LocationsCount,omitempty"`
	Locations      []CertificateLocation `json:"Locations,omitempty"`
	SSLLocations   []SSLLocation         `json:"SSLLocations,omitempty"`
	// Metadata holds the certificate's metadata fields, when asked for
	// (IncludeMetadata).
	Metadata map[string]string `json:"Metadata"`
}

// SubjectAltName is one SAN entry of a certificate. Type is Keyfactor's
// number for the kind of name (DNS name, IP address, ...).
type SubjectAltName struct {
	ID    int    `json:"Id,omitempty"`
	Type  int    `json:"Type"`
	Value string `json:"Value"`
}

// ExtendedKeyUsage is one extended key usage of a certificate.
type ExtendedKeyUsage struct {
	ID          int    `json:"Id"`
	OID         string `json:"Oid"`
	DisplayName string `json:"DisplayName"`
}

// DetailedKeyUsage is a certificate's key usage extension, bit by bit, and
// as the hex code of the whole field.
type DetailedKeyUsage struct {
	CrlSign          bool   `json:"CrlSign"`
	DataEncipherment bool   `json:"DataEncipherment"`
	DecipherOnly     bool   `json:"DecipherOnly"`
	DigitalSignature bool   `json:"DigitalSignature"`
	EncipherOnly     bool   `json:"EncipherOnly"`
	KeyAgreement     bool   `json:"KeyAgreement"`
	KeyCertSign      bool   `json:"KeyCertSign"`
	KeyEncipherment  bool   `json:"KeyEncipherment"`
	NonRepudiation   bool   `json:"NonRepudiation"`
	HexCode          string `json:"HexCode"`
}

// CRLDistributionPoint is one CRL URL of a certificate.
type CRLDistributionPoint struct {
	ID      int    `json:"Id"`
	URL     string `json:"Url"`
	URLHash string `json:"UrlHash"`
}

// LocationCount is how many certificate stores of one type hold a
// certificate.
type LocationCount struct {
	Type  string `json:"Type"`
	Count int    `json:"Count"`
}

// CertificateLocation is one certificate store holding a certificate.
type CertificateLocation struct {
	StoreMachine string `json:"StoreMachine"`
	StorePath    string `json:"StorePath"`
	StoreType    int    `json:"StoreType"`
	Alias        string `json:"Alias"`
	ChainLevel   int    `json:"ChainLevel"`
	CertStoreID  string `json:"CertStoreId"`
}

// SSLLocation is one network endpoint where SSL discovery found a
// certificate.
type SSLLocation struct {
	StorePath   string `json:"StorePath"`
	AgentPool   string `json:"AgentPool"`
	IPAddress   string `json:"IPAddress"`
	Port        int    `json:"Port"`
	NetworkName string `json:"NetworkName"`
}

// certificateWire is a Certificate as the server spells it: times may come
// without a zone offset, enumerations as numbers or names, metadata values
// as any JSON scalar, and optional strings as null.
type certificateWire struct {
	ID                       int                    `json:"Id"`
	Thumbprint               string                 `json:"Thumbprint"`
	SerialNumber             string                 `json:"SerialNumber"`
	IssuedDN                 string                 `json:"IssuedDN"`
	IssuedCN                 string                 `json:"IssuedCN"`
	IssuedOU                 string                 `json:"IssuedOU"`
	IssuedEmail              string                 `json:"IssuedEmail"`
	IssuerDN                 string                 `json:"IssuerDN"`
	ImportDate               wireTime               `json:"ImportDate"`
	NotBefore                wireTime               `json:"NotBefore"`
	NotAfter                 wireTime               `json:"NotAfter"`
	PrincipalID              *int                   `json:"PrincipalId"`
	PrincipalName            string                 `json:"PrincipalName"`
	TemplateID               *int                   `json:"TemplateId"`
	TemplateName             string                 `json:"TemplateName"`
	EnrollmentPatternID      *int                   `json:"EnrollmentPatternId"`
	CertificateAuthorityID   *int                   `json:"CertificateAuthorityId"`
	CertificateAuthorityName string                 `json:"CertificateAuthorityName"`
	CARowIndex               *int64                 `json:"CARowIndex"`
	CARecordID               string                 `json:"CARecordId"`
	CertRequestID            *int                   `json:"CertRequestId"`
	CertState                flexInt                `json:"CertState"`
	CertStateString          string                 `json:"CertStateString"`
	KeyType                  flexInt                `json:"KeyType"`
	KeyTypeString            string                 `json:"KeyTypeString"`
	KeySizeInBits            int                    `json:"KeySizeInBits"`
	KeyAlgorithm             string                 `json:"KeyAlgorithm"`
	Curve                    string                 `json:"Curve"`
	SigningAlgorithm         string                 `json:"SigningAlgorithm"`
	KeyUsage                 *int                   `json:"KeyUsage"`
	DetailedKeyUsage         *DetailedKeyUsage      `json:"DetailedKeyUsage"`
	ExtendedKeyUsages        []ExtendedKeyUsage     `json:"ExtendedKeyUsages"`
	AltKeyType               flexInt                `json:"AltKeyType"`
	AltKeyTypeString         string                 `json:"AltKeyTypeString"`
	AltKeySizeInBits         int                    `json:"AltKeySizeInBits"`
	AltKeyAlgorithm          string                 `json:"AltKeyAlgorithm"`
	AltSigningAlgorithm      string                 `json:"AltSigningAlgorithm"`
	HasAltPrivateKey         bool                   `json:"HasAltPrivateKey"`
	OwnerRoleID              *int                   `json:"OwnerRoleId"`
	OwnerRoleName            string                 `json:"OwnerRoleName"`
	RequesterID              *int                   `json:"RequesterId"`
	RequesterName            string                 `json:"RequesterName"`
	RevocationEffDate        wireTime               `json:"RevocationEffDate"`
	RevocationReason         *flexInt               `json:"RevocationReason"`
	RevocationComment        string                 `json:"RevocationComment"`
	HasPrivateKey            bool                   `json:"HasPrivateKey"`
	ArchivedKey              bool                   `json:"ArchivedKey"`
	KeyRecoverable           bool                   `json:"KeyRecoverable"`
	ContentBytes             []byte                 `json:"ContentBytes"`
	SubjectAltNameElements   []SubjectAltName       `json:"SubjectAltNameElements"`
	CRLDistributionPoints    []CRLDistributionPoint `json:"CRLDistributionPoints"`
	LocationsCount           []LocationCount        `json:"LocationsCount"`
	Locations                []CertificateLocation  `json:"Locations"`
	SSLLocations             []SSLLocation          `json:"SSLLocations"`
	Metadata                 map[string]flexString  `json:"Metadata"`
}

func (w *certificateWire) certificate() Certificate {
	c := Certificate{ID: w.ID, Thumbprint: w.Thumbprint, SerialNumber: w.SerialNumber, IssuedDN: w.IssuedDN,
		IssuedCN: w.IssuedCN, IssuedOU: w.IssuedOU, IssuedEmail: w.IssuedEmail, IssuerDN: w.IssuerDN,
		ImportDate: w.ImportDate.t, NotBefore: w.NotBefore.t, NotAfter: w.NotAfter.t,
		PrincipalID: w.PrincipalID, PrincipalName: w.PrincipalName, TemplateID: w.TemplateID, TemplateName: w.TemplateName,
		EnrollmentPatternID: w.EnrollmentPatternID, CertificateAuthorityID: w.CertificateAuthorityID,
		CertificateAuthorityName: w.CertificateAuthorityName, CARowIndex: w.CARowIndex, CARecordID: w.CARecordID,
		CertRequestID: w.CertRequestID, CertState: int(w.CertState), CertStateString: w.CertStateString,
		KeyType: int(w.KeyType), KeyTypeString: w.KeyTypeString, KeySizeInBits: w.KeySizeInBits, KeyAlgorithm: w.KeyAlgorithm,
		Curve: w.Curve, SigningAlgorithm: w.SigningAlgorithm, DetailedKeyUsage: w.DetailedKeyUsage,
		ExtendedKeyUsages: w.ExtendedKeyUsages, AltKeyType: int(w.AltKeyType), AltKeyTypeString: w.AltKeyTypeString,
		AltKeySizeInBits: w.AltKeySizeInBits, AltKeyAlgorithm: w.AltKeyAlgorithm, AltSigningAlgorithm: w.AltSigningAlgorithm,
		HasAltPrivateKey: w.HasAltPrivateKey, OwnerRoleID: w.OwnerRoleID, OwnerRoleName: w.OwnerRoleName,
		RequesterID: w.RequesterID, RequesterName: w.RequesterName, RevocationComment: w.RevocationComment,
		HasPrivateKey: w.HasPrivateKey, ArchivedKey: w.ArchivedKey, KeyRecoverable: w.KeyRecoverable,
		ContentBytes: w.ContentBytes, SubjectAltNames: w.SubjectAltNameElements, CRLDistributionPoints: w.CRLDistributionPoints,
		LocationsCount: w.LocationsCount, Locations: w.Locations, SSLLocations: w.SSLLocations}
	if w.KeyUsage != nil {
		c.KeyUsage = *w.KeyUsage
	}
	if w.RevocationReason != nil {
		c.RevocationReason = Ptr(int(*w.RevocationReason))
	}
	if !w.RevocationEffDate.t.IsZero() {
		t := w.RevocationEffDate.t
		c.RevocationEffDate = &t
	}
	if len(w.Metadata) > 0 {
		c.Metadata = make(map[string]string, len(w.Metadata))
		for k, v := range w.Metadata {
			c.Metadata[k] = string(v)
		}
	}
	return c
}

// timeLayouts are tried in order; time.Parse accepts any fraction of a
// second after the seconds in each.
var timeLayouts = [...]string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// GetCertificateOptions selects what Get returns and which permissions
// authorize it.
type GetCertificateOptions struct {
	// CollectionID, when set, authorizes the read through that collection's
	// permissions instead of the global certificate permission.
	CollectionID     int
	IncludeMetadata  bool // fill Certificate.Metadata
	IncludeLocations bool // fill Certificate.LocationsCount, Locations and SSLLocations
}

// certificateQuery is the query of GET /Certificates/{id}, in Keyfactor's
// own spelling for each parameter.
type certificateQuery struct {
	IncludeLocations bool `url:"includeLocations,omitempty"`
	IncludeMetadata  bool `url:"includeMetadata,omitempty"`
	CollectionID     int  `url:"collectionId,omitempty"`
}

// Get returns a certificate (GET /Certificates/{id}, API v1) with its
// current owner. An unknown id gives an error matching ErrNotFound.
func (s *CertificatesService) Get(ctx context.Context, id int, opts GetCertificateOptions) (*Certificate, error) {
	v := newValidator("Certificates.Get")
	v.positive("id", id)
	v.notNegative("CollectionID", opts.CollectionID)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := certificateQuery{IncludeLocations: opts.IncludeLocations, IncludeMetadata: opts.IncludeMetadata, CollectionID: opts.CollectionID}
	var w certificateWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Certificates/" + strconv.Itoa(id), version: v1, query: q}, &w); err != nil {
		return nil, err
	}
	c := w.certificate()
	return &c, nil
}

// ListCertificatesOptions selects and orders the certificates List returns.
type ListCertificatesOptions struct {
	// Query is a Keyfactor QueryString, such as `IssuedCN -contains "web"`;
	// "" lists every certificate.
	Query string
	// CollectionID, when set, lists that collection's certificates, with
	// its permissions.
	CollectionID int
	// IncludeRevoked and IncludeExpired add revoked and expired
	// certificates, which the server leaves out by default.
	IncludeRevoked, IncludeExpired bool
	// IncludeHasPrivateKey makes the server fill Certificate.HasPrivateKey
	// (it costs the server a lookup per certificate).
	IncludeHasPrivateKey bool
	// IncludeMetadata fills each Certificate.Metadata.
	IncludeMetadata bool
	// IncludeLocations fills each Certificate's LocationsCount, Locations
	// and SSLLocations.
	IncludeLocations bool
	// PageSize is the ReturnLimit of each request: 0 means DefaultPageSize;
	// at most MaxPageSize.
	PageSize int
	// SortField orders the certificates; "" is the server's default.
	SortField string
	// Descending reverses the order.
	Descending bool
}

// check reports bad options into v, field names after prefix.
func (o ListCertificatesOptions) check(v *validator, prefix string) {
	checkPageSize(v, prefix+"PageSize", o.PageSize)
	v.notNegative(prefix+"CollectionID", o.CollectionID)
}

// certificateListQuery is the query of GET /Certificates. Keyfactor spells
// its parameters differently (IncludeRevoked, collectionId): each is sent
// as Keyfactor's own SDK sends it.
type certificateListQuery struct {
	pageQuery
	IncludeRevoked       bool `url:"IncludeRevoked,omitempty"`
	IncludeExpired       bool `url:"IncludeExpired,omitempty"`
	CollectionID         int  `url:"collectionId,omitempty"`
	IncludeHasPrivateKey bool `url:"includeHasPrivateKey,omitempty"`
	IncludeLocations     bool `url:"includeLocations,omitempty"`
	IncludeMetadata      bool `url:"includeMetadata,omitempty"`
}

// List returns every certificate matching opts (GET /Certificates, API
// v1), reading page after page as the loop consumes them, as Roles.List
// does. An error is yielded once and ends the sequence.
func (s *CertificatesService) List(ctx context.Context, opts ListCertificatesOptions) iter.Seq2[Certificate, error] {
	v := newValidator("Certificates.List")
	opts.check(v, "")
	if err := v.err(); err != nil {
		return failed[Certificate](err)
	}
	newCall := func() (call, *pageQuery) {
		q := &certificateListQuery{pageQuery: newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending),
			IncludeRevoked: opts.IncludeRevoked, IncludeExpired: opts.IncludeExpired, CollectionID: opts.CollectionID,
			IncludeHasPrivateKey: opts.IncludeHasPrivateKey, IncludeLocations: opts.IncludeLocations, IncludeMetadata: opts.IncludeMetadata}
		return call{method: http.MethodGet, path: "Certificates", version: v1, query: q}, &q.pageQuery
	}
	return paginate(ctx, s.c, newCall, (*certificateWire).certificate)
}

// OwnerPlan is what an owner change by query would do: the target role, as
// PlanOwners resolved it, and the matching certificates, split into those
// whose owner changes and those that already have that owner. Each id
// appears once.
type OwnerPlan struct {
	RoleID   int    // the target role's id
	RoleName string // and its name, as the server holds it
	// ChangeIDs are the certificates whose owner differs, in list order.
	ChangeIDs []int
	// AlreadyOwned are the certificates that already have the target role.
	AlreadyOwned []int
	// Change holds the same ids as ChangeIDs.
	//
	// Deprecated: use ChangeIDs (this name read like RolePlan.Changes, which
	// holds Change values).
	Change []int
}

// PlanOwners resolves the target role req names, then lists every
// certificate matching opts — all pages, before anything changes, so that
// updating owners cannot shift the pages being read — and splits them by
// whether that role already owns them. It only reads. Pass plan.ChangeIDs
// to UpdateOwners to act on it; a certificate already owned is never
// written again, so running the pair again after an interruption changes
// nothing twice.
//
// A target role that does not exist — by id (GET /Security/Roles/{id}) or
// by name (compared ignoring case, as the server does when it assigns an
// owner by name) — is an error matching ErrNotFound, before any
// certificate is listed; several roles whose names differ only in case are
// an error too. Resolving needs /security/read/, which the owner change
// itself needs as well. A certificate listed twice (pages that overlap when
// the list shifts while it is read) is planned once.
func (s *CertificatesService) PlanOwners(ctx context.Context, opts ListCertificatesOptions, req UpdateOwnerRequest) (*OwnerPlan, error) {
	v := newValidator("Certificates.PlanOwners")
	req.check(v)
	opts.check(v, "opts.") // req has a CollectionID of its own
	if err := v.err(); err != nil {
		return nil, err
	}
	id, name, err := s.c.Roles.ownerTarget(ctx, req)
	if err != nil {
		return nil, err
	}
	p := &OwnerPlan{RoleID: id, RoleName: name}
	seen := map[int]bool{}
	for c, err := range s.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		if c.OwnerRoleID != nil && *c.OwnerRoleID == id {
			p.AlreadyOwned = append(p.AlreadyOwned, c.ID)
		} else {
			p.ChangeIDs = append(p.ChangeIDs, c.ID)
		}
	}
	p.Change = p.ChangeIDs
	return p, nil
}
