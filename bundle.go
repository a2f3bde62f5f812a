package keyfactor

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"slices"
)

// CertificateBundle is a certificate as it leaves Command: parsed x509
// values, never a base64 string the caller must decode. Leaf is chosen by
// the chain's topology (the one certificate that issues no other in the
// bundle), never by its position: servers send root-first bundles.
//
// A bundle never shows its private key: fmt (any verb), slog and
// encoding/json print the leaf's subject, the chain's length and whether a
// key is held, nothing more. PEM writes the key, for the file a server
// loads.
type CertificateBundle struct {
	Leaf *x509.Certificate
	// Chain holds the issuers, the leaf's first, as far as the bundle
	// goes (the root included when the server sent it).
	Chain []*x509.Certificate
	// PrivateKey is the leaf's key when Command made it (PFX enrollment,
	// Recover); nil otherwise.
	PrivateKey crypto.Signer
}

// PEM returns the chain as PEM, leaf first, and the private key as a
// PKCS#8 PEM block (nil without a key): the two files a web server, or a
// Kubernetes TLS secret (tls.crt, tls.key), takes.
func (b *CertificateBundle) PEM() (certs, key []byte, err error) {
	if b == nil || b.Leaf == nil {
		return nil, nil, errors.New("keyfactor: the bundle holds no certificate")
	}
	var buf bytes.Buffer
	for _, c := range append([]*x509.Certificate{b.Leaf}, b.Chain...) {
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}); err != nil {
			return nil, nil, err
		}
	}
	if b.PrivateKey == nil {
		return buf.Bytes(), nil, nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(b.PrivateKey)
	if err != nil {
		return nil, nil, errors.New("keyfactor: the private key cannot be written as PKCS#8") // never the key itself
	}
	return buf.Bytes(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// TLSCertificate returns the bundle as a crypto/tls certificate, for a Go
// server or client; it needs the private key.
func (b *CertificateBundle) TLSCertificate() (tls.Certificate, error) {
	if b == nil || b.Leaf == nil {
		return tls.Certificate{}, errors.New("keyfactor: the bundle holds no certificate")
	}
	if b.PrivateKey == nil {
		return tls.Certificate{}, errors.New("keyfactor: the bundle holds no private key (a CSR enrollment keeps it with the caller)")
	}
	out := tls.Certificate{Certificate: [][]byte{b.Leaf.Raw}, PrivateKey: b.PrivateKey, Leaf: b.Leaf}
	for _, c := range b.Chain {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}

func (b *CertificateBundle) safeFields() []safeField {
	if b == nil {
		return nil
	}
	subject := ""
	if b.Leaf != nil {
		subject = b.Leaf.Subject.String()
	}
	key := "<nil>"
	if b.PrivateKey != nil {
		key = redacted
	}
	return []safeField{{name: "Leaf", value: subject}, {name: "Chain", value: fmt.Sprintf("%d certificates", len(b.Chain))},
		{name: "PrivateKey", value: key}}
}

// Format prints the leaf's subject, the chain's length and whether a key
// is held, for every verb: never the key.
func (b *CertificateBundle) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, "CertificateBundle", b.safeFields())
}

// LogValue is what slog records: as Format.
func (b *CertificateBundle) LogValue() slog.Value { return logSafe(b.safeFields()) }

// MarshalJSON is as Format: a bundle's key never reaches JSON.
func (b *CertificateBundle) MarshalJSON() ([]byte, error) { return jsonSafe(b.safeFields()) }

// bundleFrom orders certs into a bundle: the leaf found by topology, then
// its issuers in order. A set that is not one chain is an error.
func bundleFrom(certs []*x509.Certificate, key crypto.Signer) (*CertificateBundle, error) {
	if len(certs) == 0 {
		return nil, errors.New("keyfactor: the answer holds no certificate")
	}
	if len(certs) > maxBundleCertificates {
		return nil, fmt.Errorf("keyfactor: the answer holds more than %d certificates: not one chain", maxBundleCertificates)
	}
	certs = dedupe(certs)
	// The leaf issues no other certificate of the set (a self-signed root
	// issues itself only).
	var leaves []*x509.Certificate
	for _, c := range certs {
		issues := false
		for _, o := range certs {
			if o != c && issued(c, o) {
				issues = true
				break
			}
		}
		if !issues {
			leaves = append(leaves, c)
		}
	}
	if len(leaves) != 1 {
		return nil, fmt.Errorf("keyfactor: the answer's %d certificates are not one chain (%d issue no other)", len(certs), len(leaves))
	}
	b := &CertificateBundle{Leaf: leaves[0], PrivateKey: key}
	used := map[*x509.Certificate]bool{b.Leaf: true}
	for cur := b.Leaf; ; {
		var cands []*x509.Certificate
		for _, o := range certs {
			if !used[o] && issued(o, cur) {
				cands = append(cands, o)
			}
		}
		if len(cands) > 1 { // two certificates of one name: the signature decides
			cands = slices.DeleteFunc(cands, func(o *x509.Certificate) bool { return !signedBy(o, cur) })
		}
		if len(cands) == 0 {
			break
		}
		next := cands[0]
		used[next] = true
		b.Chain = append(b.Chain, next)
		cur = next
	}
	if len(used) != len(certs) {
		return nil, fmt.Errorf("keyfactor: the answer's %d certificates are not one chain: %d are not issuers of the leaf %q",
			len(certs), len(certs)-len(used), b.Leaf.Subject.String())
	}
	if key != nil && !samePublicKey(b.Leaf.PublicKey, key.Public()) {
		return nil, errors.New("keyfactor: the answer's private key is not the leaf's")
	}
	return b, nil
}

// issued reports whether issuer issued c (and is not c itself): c names
// it as its issuer, and their key identifiers, when both carry them,
// agree. That orders a bundle; it does not make it trusted, which is the
// TLS peer's verification's job. A signature is checked only where names
// alone would be ambiguous (see bundleFrom).
func issued(issuer, c *x509.Certificate) bool {
	return issuer != c && bytes.Equal(c.RawIssuer, issuer.RawSubject) &&
		(len(c.AuthorityKeyId) == 0 || len(issuer.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, issuer.SubjectKeyId))
}

// signedBy settles between issuers that names alone cannot tell apart.
func signedBy(issuer, c *x509.Certificate) bool {
	return issued(issuer, c) && c.CheckSignatureFrom(issuer) == nil
}

func dedupe(certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		if !slices.ContainsFunc(out, c.Equal) {
			out = append(out, c)
		}
	}
	return out
}

// maxBundleCertificates bounds a bundle. Chains are a handful of
// certificates; ordering one compares every pair, so thousands (32 MiB of
// answer holds about 90,000) would hold a CPU for minutes.
const maxBundleCertificates = 32

// samePublicKey compares two public keys of any kind crypto knows.
func samePublicKey(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// parseCertificates reads every certificate of data: PEM blocks, one DER
// certificate, or a PKCS#7 (P7B) bundle in DER or PEM.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	data = bytes.TrimSpace(data)
	if bytes.HasPrefix(data, []byte("-----BEGIN")) {
		var out []*x509.Certificate
		for rest := data; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			switch block.Type {
			case "CERTIFICATE":
				if len(out) == maxBundleCertificates {
					return nil, fmt.Errorf("keyfactor: the answer holds more than %d certificates: not one chain", maxBundleCertificates)
				}
				c, err := x509.ParseCertificate(block.Bytes)
				if err != nil {
					return nil, fmt.Errorf("keyfactor: a PEM certificate does not parse: %w", err)
				}
				out = append(out, c)
			case "PKCS7":
				cs, err := parsePKCS7(block.Bytes)
				if err != nil {
					return nil, err
				}
				out = append(out, cs...)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("keyfactor: the PEM answer holds no certificate")
		}
		return out, nil
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		return []*x509.Certificate{c}, nil
	}
	if cs, err := x509.ParseCertificates(data); err == nil && len(cs) > 0 {
		return cs, nil // concatenated DER
	}
	return parsePKCS7(data)
}

// The PKCS#7 (RFC 2315) structures a P7B bundle is made of: a ContentInfo
// holding SignedData, whose certificates are the bundle. Only what a
// certificate bundle uses is read; signatures (a P7B has none) are not.
type pkcs7ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type pkcs7SignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	ContentInfo      asn1.RawValue
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// parsePKCS7 reads the certificates of a DER PKCS#7 SignedData.
func parsePKCS7(der []byte) ([]*x509.Certificate, error) {
	var ci pkcs7ContentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		return nil, errors.New("keyfactor: the answer is neither PEM, DER nor PKCS#7")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("keyfactor: the PKCS#7 answer holds %v, not SignedData", ci.ContentType)
	}
	var sd pkcs7SignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("keyfactor: the PKCS#7 SignedData does not parse: %w", err)
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keyfactor: a certificate of the PKCS#7 answer does not parse: %w", err)
	}
	if len(certs) == 0 {
		return nil, errors.New("keyfactor: the PKCS#7 answer holds no certificate")
	}
	return certs, nil
}
