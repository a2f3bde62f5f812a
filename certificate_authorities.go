package keyfactor

import (
	"context"
	"iter"
)

// CertificateAuthoritiesService reads the certificate authorities Command
// knows (API v1 /CertificateAuthority). Reach it as
// Client.CertificateAuthorities.
type CertificateAuthoritiesService struct{ c *Client }

// CertificateAuthority is a CA Command issues through.
type CertificateAuthority struct {
	ID                     int    `json:"Id"`
	LogicalName            string `json:"LogicalName"`
	HostName               string `json:"HostName"`
	ConfigurationTenant    string `json:"ConfigurationTenant"`
	Standalone             bool   `json:"Standalone"`
	AllowedEnrollmentTypes int    `json:"AllowedEnrollmentTypes"`
}

// Name is the CA as enrollment names it: "HostName\LogicalName".
func (ca CertificateAuthority) Name() string { return ca.HostName + `\` + ca.LogicalName }

// ListCertificateAuthoritiesOptions selects and orders the CAs List
// returns.
type ListCertificateAuthoritiesOptions struct {
	Query      string
	PageSize   int
	SortField  string
	Descending bool
}

// List returns every CA, page after page (GET /CertificateAuthority).
func (s *CertificateAuthoritiesService) List(ctx context.Context, opts ListCertificateAuthoritiesOptions) iter.Seq2[CertificateAuthority, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "CertificateAuthorities.List", "CertificateAuthority", q,
		func(ca *CertificateAuthority) int { return ca.ID }, func(ca *CertificateAuthority) CertificateAuthority { return *ca })
}

// GetByName returns the CA named "host\logical" exactly (Name), reading
// the list. None is an error matching ErrNotFound.
func (s *CertificateAuthoritiesService) GetByName(ctx context.Context, name string) (*CertificateAuthority, error) {
	const op = "CertificateAuthorities.GetByName"
	v := newValidator(op)
	checkCAName(v, "name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	return findNamed(s.List(ctx, ListCertificateAuthoritiesOptions{PageSize: MaxPageSize}), op, "certificate authority", name, "",
		func(ca *CertificateAuthority) (int, string) { return ca.ID, ca.Name() })
}
