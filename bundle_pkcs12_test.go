package keyfactor

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"slices"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// pfxWith builds a PKCS#12 archive's outer structure: contents in the
// authenticated safe, and a MAC asking for macIterations. Nothing in it
// decrypts: the work check runs before any key derivation.
func pfxWith(t *testing.T, macIterations int, contents ...pkcs7ContentInfo) []byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	safe := must(asn1.Marshal(contents))
	var pfx p12PFX
	pfx.Version = 3
	pfx.AuthSafe = pkcs7ContentInfo{ContentType: oidData, Content: asn1.RawValue{FullBytes: must(asn1.Marshal(
		asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: must(asn1.Marshal(safe))}))}}
	pfx.MacData.Mac.Algorithm = pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}}
	pfx.MacData.Mac.Digest = make([]byte, 32)
	pfx.MacData.MacSalt = make([]byte, 8)
	pfx.MacData.Iterations = macIterations
	return must(asn1.Marshal(pfx))
}

// pbe is an AlgorithmIdentifier of PKCS#12's own PBE (3DES) or, with
// pbes2, of PBES2 with PBKDF2, asking for n iterations.
func pbe(t *testing.T, n int, pbes2 bool) pkix.AlgorithmIdentifier {
	t.Helper()
	params, err := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
	}{make([]byte, 8), n})
	if err != nil {
		t.Fatal(err)
	}
	if !pbes2 {
		return pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}, Parameters: asn1.RawValue{FullBytes: params}}
	}
	outer, err := asn1.Marshal(struct{ Kdf, EncryptionScheme pkix.AlgorithmIdentifier }{
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}, Parameters: asn1.RawValue{FullBytes: params}},
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}}})
	if err != nil {
		t.Fatal(err)
	}
	return pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: outer}}
}

// pbmac1 gives archive der an RFC 9579 PBMAC1 MAC asking for n
// iterations (and MacData's own count 1, which PBMAC1 ignores).
func pbmac1(t *testing.T, der []byte, n int) []byte {
	t.Helper()
	var pfx p12PFX
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	kdf := pbe(t, n, true) // PBES2's parameters have PBMAC1's shape: a KDF, then a scheme
	kdf.Algorithm = oidPBMAC1
	pfx.MacData.Mac.Algorithm = kdf
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// explicit wraps v as the [0] EXPLICIT content of a ContentInfo.
func explicit(t *testing.T, v any) asn1.RawValue {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	full, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b})
	if err != nil {
		t.Fatal(err)
	}
	return asn1.RawValue{FullBytes: full}
}

// A PKCS#12 archive asking for more key derivation than any real one is
// refused before go-pkcs12 starts on it (it cannot be interrupted): in its
// MAC, its encrypted certificates (PBES2) or its shrouded key (PKCS#12
// PBE). An archive at the usual counts is not refused.
func TestPKCS12WorkIsBounded(t *testing.T) {
	const huge = 1 << 31
	encrypted := func(n int) pkcs7ContentInfo {
		var ed p12EncryptedData
		ed.Info.ContentType = oidData
		ed.Info.Algorithm = pbe(t, n, true)
		ed.Info.Content = []byte{1}
		return pkcs7ContentInfo{ContentType: oidEncryptedData, Content: explicit(t, ed)}
	}
	shrouded := func(n int) pkcs7ContentInfo {
		key, err := asn1.Marshal(p12ShroudedKey{Algorithm: pbe(t, n, false), Data: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		bags, err := asn1.Marshal([]p12SafeBag{{ID: oidShroudedKey, Value: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0,
			IsCompound: true, Bytes: key}}})
		if err != nil {
			t.Fatal(err)
		}
		return pkcs7ContentInfo{ContentType: oidData, Content: explicit(t, bags)}
	}
	for _, tt := range []struct {
		name string
		der  []byte
		want string // "" when the archive passes
	}{
		{"usual counts", pfxWith(t, 2048, encrypted(2048), shrouded(2000)), ""},
		{"MAC", pfxWith(t, huge, encrypted(2048), shrouded(2048)), "2147483648 iterations for its MAC"},
		{"certificates", pfxWith(t, 1, encrypted(huge), shrouded(2048)), "for its certificates"},
		{"key", pfxWith(t, 1, encrypted(2048), shrouded(huge)), "for its private key"},
		{"at the bound in all", pfxWith(t, maxPKCS12Iterations-2, encrypted(1), shrouded(1)), ""},
		{"over the bound in all", pfxWith(t, maxPKCS12Iterations/2, encrypted(maxPKCS12Iterations/2), shrouded(1)), "for its private key"},
		{"PBMAC1", pbmac1(t, pfxWith(t, 1, encrypted(2048)), huge), "2147483648 iterations for its MAC"},
		{"PBMAC1, usual count", pbmac1(t, pfxWith(t, 1, encrypted(2048)), 10_000), ""},
		{"many contents", pfxWith(t, 1, slices.Repeat([]pkcs7ContentInfo{encrypted(200_000)}, 6)...), "for its certificates"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPKCS12Work(tt.der)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}

	// A real archive, legacy and modern, passes and decodes.
	_, _, leaf, _, key := testChain(t)
	for _, enc := range []*pkcs12.Encoder{pkcs12.Modern, pkcs12.LegacyDES} {
		der, err := enc.Encode(key, leaf, nil, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if b, err := parsePKCS12(der, "pw"); err != nil || b.Leaf == nil {
			t.Errorf("real archive: %v", err)
		}
	}
	// parsePKCS12 checks before it decodes (without the check, this
	// archive's MAC alone would take go-pkcs12 seconds).
	if _, err := parsePKCS12(pfxWith(t, 4*maxPKCS12Iterations, encrypted(2048)), "pw"); err == nil || !strings.Contains(err.Error(), "iterations") {
		t.Errorf("parsePKCS12 of an archive asking for 4M iterations: %v", err)
	}
}

// FuzzParsePKCS12: any archive a server sends decodes or fails without a
// panic, within the work bound, and no error names the password.
func FuzzParsePKCS12(f *testing.F) {
	// Archives of a leaf, its issuer and its key, made by go-pkcs12 with the
	// password "s3cret-pw": modern (AES, PBKDF2) at 2,048 iterations and at
	// 1, legacy (3DES, RC2) at 1. Few iterations keep the fuzzer fast.
	for _, name := range []string{"modern", "modern-1", "legacy-des-1", "legacy-rc2-1"} {
		der, err := os.ReadFile("testdata/enrollment/" + name + ".p12")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		b, err := parsePKCS12(der, "s3cret-pw")
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("error names the password: %v", err)
		}
		if err == nil && (b.Leaf == nil || b.PrivateKey == nil) {
			t.Fatalf("a bundle without leaf or key: %+v", b)
		}
	})
}
