package keyfactor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testChain makes root → intermediate → leaf, and an unrelated root.
func testChain(t *testing.T) (root, inter, leaf, stranger *x509.Certificate, leafKey *ecdsa.PrivateKey) {
	t.Helper()
	mk := func(cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: ca, BasicConstraintsValid: ca,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, key
	}
	root, rk := mk("Root", nil, nil, true)
	inter, ik := mk("Issuing", root, rk, true)
	leaf, leafKey = mk("leaf.example.com", inter, ik, false)
	stranger, _ = mk("Stranger", nil, nil, true)
	return root, inter, leaf, stranger, leafKey
}

// TestBundleIsOneChainLeafFirst: the leaf is found by topology in any
// order; a set that is not one chain, or a key that is not the leaf's, is
// an error.
func TestBundleIsOneChainLeafFirst(t *testing.T) {
	root, inter, leaf, stranger, key := testChain(t)
	for _, order := range [][]*x509.Certificate{{leaf, inter, root}, {root, inter, leaf}, {inter, root, leaf}, {leaf, leaf, inter}} {
		b, err := bundleFrom(order, nil)
		if err != nil || b.Leaf != leaf || len(b.Chain) == 0 || b.Chain[0] != inter {
			t.Errorf("order %v: %+v, %v", order, b, err)
		}
	}
	if b, err := bundleFrom([]*x509.Certificate{root}, nil); err != nil || b.Leaf != root || len(b.Chain) != 0 {
		t.Errorf("a lone self-signed certificate: %+v, %v", b, err)
	}
	for name, certs := range map[string][]*x509.Certificate{
		"two leaves":        {leaf, inter, root, stranger},
		"a stray issuer":    {leaf, stranger},
		"nothing":           nil,
		"an issuer without": {inter, stranger},
	} {
		if _, err := bundleFrom(certs, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := bundleFrom([]*x509.Certificate{leaf, inter}, other); err == nil || !strings.Contains(err.Error(), "not the leaf's") {
		t.Errorf("a foreign key: %v", err)
	}
	b, err := bundleFrom([]*x509.Certificate{leaf, inter}, key)
	if err != nil {
		t.Fatal(err)
	}
	certs, keyPEM, err := b.PEM()
	if err != nil || strings.Count(string(certs), "BEGIN CERTIFICATE") != 2 || !strings.Contains(string(keyPEM), "BEGIN PRIVATE KEY") {
		t.Errorf("PEM: %v", err)
	}
	parsed, err := parseCertificates(certs)
	if err != nil || len(parsed) != 2 || !parsed[0].Equal(leaf) {
		t.Errorf("PEM reads back: %v", err)
	}
}

// A bundle of more certificates than any chain has is refused before it
// is ordered (ordering compares every pair), in PEM and as parsed values.
func TestBundleSizeIsBounded(t *testing.T) {
	_, inter, leaf, _, _ := testChain(t)
	var pemText []byte
	certs := []*x509.Certificate{leaf}
	for range maxBundleCertificates {
		certs = append(certs, inter)
	}
	for _, c := range certs {
		pemText = append(pemText, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if _, err := parseCertificates(pemText); err == nil || !strings.Contains(err.Error(), "more than 32 certificates") {
		t.Errorf("PEM of %d certificates: %v", len(certs), err)
	}
	if _, err := bundleFrom(certs, nil); err == nil || !strings.Contains(err.Error(), "more than 32 certificates") {
		t.Errorf("bundle of %d certificates: %v", len(certs), err)
	}
	if b, err := bundleFrom(certs[:maxBundleCertificates], nil); err != nil || b.Leaf != leaf {
		t.Errorf("bundle of %d certificates (the same issuer repeated): %v", maxBundleCertificates, err)
	}
}
