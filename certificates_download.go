package keyfactor

import (
	"context"
	"crypto"
	"encoding/base64"
	"net/http"
)

// DownloadOptions selects what Download returns and which permissions
// authorize it.
type DownloadOptions struct {
	IncludeChain bool       // the issuers with the leaf
	Scope        OwnerScope // authorize through a collection's or container's permissions
}

// RecoverOptions is DownloadOptions for Recover.
type RecoverOptions struct {
	IncludeChain bool
	Scope        OwnerScope
}

// retrievalQuery is the scope of POST /Certificates/Download and /Recover.
type retrievalQuery struct {
	CollectionID int `url:"collectionId,omitempty"`
	ContainerID  int `url:"containerId,omitempty"`
}

func (o OwnerScope) retrieval() *retrievalQuery {
	if o.CollectionID == 0 && o.ContainerID == 0 {
		return nil
	}
	return &retrievalQuery{CollectionID: o.CollectionID, ContainerID: o.ContainerID}
}

type downloadWire struct {
	CertID       int    `json:"CertID"`
	IncludeChain bool   `json:"IncludeChain"`
	ChainOrder   string `json:"ChainOrder,omitempty"`
}

type recoverWire struct {
	Password     string `json:"Password"`
	CertID       int    `json:"CertID"`
	IncludeChain bool   `json:"IncludeChain"`
	ChainOrder   string `json:"ChainOrder,omitempty"`
}

// Download returns a certificate, without its key (POST
// /Certificates/Download, API v1): with IncludeChain as P7B, else PEM,
// parsed, the leaf chosen by topology whatever order the server sends. A
// read: it is retried like a GET. An unknown id is an error matching
// ErrNotFound.
func (s *CertificatesService) Download(ctx context.Context, id int, opts DownloadOptions) (*CertificateBundle, error) {
	v := newValidator("Certificates.Download")
	v.positive("id", id)
	opts.Scope.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.download(ctx, id, opts)
}

func (s *CertificatesService) download(ctx context.Context, id int, opts DownloadOptions) (*CertificateBundle, error) {
	format := "PEM"
	if opts.IncludeChain {
		format = "P7B"
	}
	var ans struct {
		Content string `json:"Content"`
	}
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Certificates/Download", version: v1, format: format, repeat: idempotent,
		query: opts.Scope.retrieval(), body: downloadWire{CertID: id, IncludeChain: opts.IncludeChain, ChainOrder: "EndEntityFirst"}}, &ans)
	if err != nil {
		return nil, err
	}
	content, err := base64.StdEncoding.DecodeString(ans.Content)
	if err != nil {
		return nil, errorf("Certificates.Download: certificate %d: Content is not base64", id)
	}
	b, err := parseBundle(content, nil)
	if err != nil {
		return nil, errorf("Certificates.Download: certificate %d: %w", id, err)
	}
	return b, nil
}

// Recover returns a certificate with the private key Command holds for it
// (POST /Certificates/Recover, API v1, format PFX): the PKCS#12 archive is
// protected in transit by a fresh random password made for this call,
// which never leaves the process, and is decoded here. A certificate whose
// key Command does not hold (a CSR enrollment) is an error from the
// server. A read: it is retried like a GET.
func (s *CertificatesService) Recover(ctx context.Context, id int, opts RecoverOptions) (*CertificateBundle, error) {
	v := newValidator("Certificates.Recover")
	v.positive("id", id)
	opts.Scope.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.recover(ctx, id, opts)
}

func (s *CertificatesService) recover(ctx context.Context, id int, opts RecoverOptions) (*CertificateBundle, error) {
	password := newPassword()
	var ans struct {
		PFX string `json:"PFX"`
	}
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Certificates/Recover", version: v1, format: "PFX", repeat: idempotent,
		query: opts.Scope.retrieval(), secrets: []string{password}, keyMaterial: true,
		body: recoverWire{Password: password, CertID: id, IncludeChain: opts.IncludeChain, ChainOrder: "EndEntityFirst"}}, &ans)
	if err != nil {
		return nil, err
	}
	archive, err := base64.StdEncoding.DecodeString(ans.PFX)
	if err != nil || len(archive) == 0 {
		return nil, errorf("Certificates.Recover: certificate %d: the answer holds no PKCS#12 archive", id)
	}
	b, err := parsePKCS12(archive, password)
	if err != nil {
		return nil, errorf("Certificates.Recover: certificate %d: %w", id, err)
	}
	return b, nil
}

// parseBundle reads certificates in any form Command answers with (PEM,
// DER, P7B) into a bundle with key.
func parseBundle(data []byte, key crypto.Signer) (*CertificateBundle, error) {
	certs, err := parseCertificates(data)
	if err != nil {
		return nil, err
	}
	return bundleFrom(certs, key)
}
