package keyfactor

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"
)

// parsePKCS12 reads a PKCS#12 archive (legacy RC2/3DES or modern AES
// PBES2) protected with password into a bundle. Its error never holds the
// password or the archive.
func parsePKCS12(der []byte, password string) (*CertificateBundle, error) {
	if err := checkPKCS12Work(der); err != nil {
		return nil, err
	}
	key, leaf, cas, err := pkcs12.DecodeChain(der, password)
	if err != nil {
		// go-pkcs12's errors name the structure at fault, never the
		// password; still, say only what the caller can act on.
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, errors.New("keyfactor: the PKCS#12 archive does not open with the password it was made with")
		}
		return nil, errors.New("keyfactor: the PKCS#12 archive does not decode")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keyfactor: the PKCS#12 archive's key (%T) cannot sign", key)
	}
	return bundleFrom(append([]*x509.Certificate{leaf}, cas...), signer)
}

// maxPKCS12Iterations bounds the key derivation a PKCS#12 archive may ask
// for, its MAC's and every encryption's iterations in all. Archives here
// come from Command: Windows and .NET write 2,000 iterations for each,
// OpenSSL and go-pkcs12 2,048, Java 10,000. One asking for billions would
// hold a CPU for hours inside go-pkcs12, which no context can stop; at
// the bound, go-pkcs12 takes about half a second on a 2-core machine.
const maxPKCS12Iterations = 1_000_000

// The PKCS#12 (RFC 7292) structures checkPKCS12Work reads, as go-pkcs12
// reads them, so that whatever it would decode is checked first.
type (
	p12PFX struct {
		Version  int
		AuthSafe pkcs7ContentInfo
		MacData  struct {
			Mac struct {
				Algorithm pkix.AlgorithmIdentifier
				Digest    []byte
			}
			MacSalt    []byte
			Iterations int `asn1:"optional,default:1"`
		} `asn1:"optional"`
	}
	p12EncryptedData struct {
		Version int
		Info    struct {
			ContentType asn1.ObjectIdentifier
			Algorithm   pkix.AlgorithmIdentifier
			Content     []byte `asn1:"tag:0,optional"`
		}
	}
	p12SafeBag struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue   `asn1:"tag:0,explicit"`
		Attributes []asn1.RawValue `asn1:"set,optional"`
	}
	p12ShroudedKey struct {
		Algorithm pkix.AlgorithmIdentifier
		Data      []byte
	}
)

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidPBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBMAC1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
)

// checkPKCS12Work refuses an archive whose MAC, encrypted contents and
// shrouded keys ask for more than maxPKCS12Iterations rounds of key
// derivation in all. It sees what is not encrypted; a key bag hidden
// inside an encrypted content is reached only after a bounded MAC and
// decryption, and the MAC holds only if the archive was made with the
// password.
func checkPKCS12Work(der []byte) error {
	total := 0
	tooMuch := func(what string, n int) error {
		if n < 0 || n > maxPKCS12Iterations-total {
			return fmt.Errorf("keyfactor: the PKCS#12 archive asks for %d iterations for its %s (at most %d in all are accepted)", n, what,
				maxPKCS12Iterations)
		}
		total += n
		return nil
	}
	var pfx p12PFX
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return errors.New("keyfactor: the PKCS#12 archive does not decode")
	}
	macIterations := pfx.MacData.Iterations
	if pfx.MacData.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) { // RFC 9579: PBKDF2's count, not MacData's
		macIterations = pbeIterations(pfx.MacData.Mac.Algorithm)
	}
	if err := tooMuch("MAC", macIterations); err != nil {
		return err
	}
	// What does not parse below is not a form go-pkcs12 decodes either:
	// it says so, without deriving a key.
	var safe []byte
	var contents []pkcs7ContentInfo
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &safe); err != nil {
		return nil
	}
	if _, err := asn1.Unmarshal(safe, &contents); err != nil {
		return nil
	}
	for _, ci := range contents {
		switch {
		case ci.ContentType.Equal(oidEncryptedData):
			var ed p12EncryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err == nil {
				if err := tooMuch("certificates", pbeIterations(ed.Info.Algorithm)); err != nil {
					return err
				}
			}
		case ci.ContentType.Equal(oidData):
			var data []byte
			var bags []p12SafeBag
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &data); err != nil {
				continue
			}
			if _, err := asn1.Unmarshal(data, &bags); err != nil {
				continue
			}
			for _, bag := range bags {
				var key p12ShroudedKey
				if !bag.ID.Equal(oidShroudedKey) {
					continue
				}
				if _, err := asn1.Unmarshal(bag.Value.Bytes, &key); err == nil {
					if err := tooMuch("private key", pbeIterations(key.Algorithm)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// pbeIterations is the iteration count of a password-based scheme: PBES2
// or PBMAC1 with PBKDF2, or PKCS#12's own PBE schemes; 0 when it names
// none.
func pbeIterations(alg pkix.AlgorithmIdentifier) int {
	params := alg.Parameters.FullBytes
	if alg.Algorithm.Equal(oidPBES2) || alg.Algorithm.Equal(oidPBMAC1) {
		// Both are a key derivation, then the scheme that uses the key.
		var two struct{ Kdf, Scheme pkix.AlgorithmIdentifier }
		if _, err := asn1.Unmarshal(params, &two); err != nil {
			return 0
		}
		params = two.Kdf.Parameters.FullBytes
	}
	// PBKDF2-params and pbeParams both begin salt, iteration count; the
	// first may go on with a key length and a PRF.
	var p struct {
		Salt           asn1.RawValue
		Iterations     int
		KeyLength, Prf asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(params, &p); err != nil {
		return 0
	}
	return p.Iterations
}
