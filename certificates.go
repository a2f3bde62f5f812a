package keyfactor

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strconv"
	"time"
)

// CertificatesService reads certificates and changes their owners. Reach it
// as Client.Certificates.
type CertificatesService struct{ c *Client }

// DefaultBulkConcurrency is UpdateOwners' concurrency when
// BulkOptions.Concurrency is zero.
const DefaultBulkConcurrency = 8

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

// UnmarshalJSON decodes a certificate as the server spells it: times may
// come without a zone offset, enumerations as numbers or names, metadata
// values as any JSON scalar, and optional values as null. Only those
// lenient fields are decoded here; every other field decodes straight into
// c, so a new field is one line in the struct above.
func (c *Certificate) UnmarshalJSON(b []byte) error {
	type fields Certificate // Certificate's fields without this method
	w := struct {
		*fields
		ImportDate        wireTime              `json:"ImportDate"`
		NotBefore         wireTime              `json:"NotBefore"`
		NotAfter          wireTime              `json:"NotAfter"`
		CertState         flexInt               `json:"CertState"`
		KeyType           flexInt               `json:"KeyType"`
		AltKeyType        flexInt               `json:"AltKeyType"`
		KeyUsage          *int                  `json:"KeyUsage"`
		RevocationEffDate wireTime              `json:"RevocationEffDate"`
		RevocationReason  *flexInt              `json:"RevocationReason"`
		Metadata          map[string]flexString `json:"Metadata"`
	}{fields: (*fields)(c)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	c.ImportDate, c.NotBefore, c.NotAfter = w.ImportDate.t, w.NotBefore.t, w.NotAfter.t
	c.CertState, c.KeyType, c.AltKeyType = int(w.CertState), int(w.KeyType), int(w.AltKeyType)
	c.KeyUsage, c.RevocationEffDate, c.RevocationReason, c.Metadata = 0, nil, nil, nil
	if w.KeyUsage != nil {
		c.KeyUsage = *w.KeyUsage
	}
	if !w.RevocationEffDate.t.IsZero() {
		c.RevocationEffDate = &w.RevocationEffDate.t
	}
	if w.RevocationReason != nil {
		c.RevocationReason = Ptr(int(*w.RevocationReason))
	}
	if len(w.Metadata) > 0 {
		c.Metadata = make(map[string]string, len(w.Metadata))
		for k, v := range w.Metadata {
			c.Metadata[k] = string(v)
		}
	}
	return nil
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
	var c Certificate
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Certificates/" + strconv.Itoa(id), version: v1, query: q}, &c); err != nil {
		return nil, err
	}
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
	return paginate(ctx, s.c, newCall, func(c *Certificate) int { return c.ID }, func(c *Certificate) Certificate { return *c })
}
