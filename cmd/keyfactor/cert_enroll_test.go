package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func csrFile(t *testing.T, cn string) (keyPEM []byte, path string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "req.csr")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	k, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), path
}

func decodeEnroll(t *testing.T, r result) enrollOut {
	t.Helper()
	var out enrollOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v in %+v", err, r)
	}
	return out
}

func TestCertEnrollCSRWritesWhatAServerLoads(t *testing.T) {
	f := newFake(t)
	keyPEM, csr := csrFile(t, "web01.example.com")
	dir := filepath.Join(t.TempDir(), "tls")
	r := cli(t, f.env, "", "cert", "enroll", "--csr", csr, "--template", "WebServer", "--san", "web01.example.com",
		"--san", "10.0.0.7", "--out-dir", dir)
	out := decodeEnroll(t, r)
	if r.code != 0 || out.Status != "issued" || out.CertificateID == 0 || len(out.Files) != 3 || out.Files["key"] != "" {
		t.Fatalf("enroll: %+v", r)
	}
	full, _ := os.ReadFile(filepath.Join(dir, "fullchain.pem"))
	if _, err := tls.X509KeyPair(full, keyPEM); err != nil {
		t.Errorf("fullchain.pem with the CSR's key: %v", err)
	}
	if n := strings.Count(string(full), "BEGIN CERTIFICATE"); n != 3 {
		t.Errorf("fullchain.pem holds %d certificates", n)
	}
}

func TestCertEnrollPFXKeyIsPrivate(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	r := cli(t, f.env, "", "cert", "enroll", "--subject", "CN=app01.example.com,O=Example", "--template", "WebServer",
		"--key-type", "ECC", "--out-dir", dir, "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "key: "+filepath.Join(dir, "key.pem")) || strings.Contains(r.stdout, "PRIVATE KEY") {
		t.Fatalf("enroll: %+v", r)
	}
	st, err := os.Stat(filepath.Join(dir, "key.pem"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key.pem: %v, mode %v", err, st.Mode())
	}
	cert, _ := os.ReadFile(filepath.Join(dir, "fullchain.pem"))
	key, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		t.Errorf("the files do not pair: %v", err)
	}
	// Recover writes the same key, 0600, and refuses to print it.
	certs := f.Certificates()
	id := strconv.Itoa(certs[len(certs)-1].ID)
	if r := cli(t, f.env, "", "cert", "recover", id); r.code != exitInvalid || !strings.Contains(r.stderr, "--out-dir is required") {
		t.Errorf("recover without --out-dir: %+v", r)
	}
	again := t.TempDir()
	if r := cli(t, f.env, "", "cert", "recover", id, "--out-dir", again); r.code != 0 {
		t.Fatalf("recover: %+v", r)
	}
	if st, err := os.Stat(filepath.Join(again, "key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("recovered key.pem: %v", err)
	}
}

// logSignal is a request log that signals each logged request on a
// channel: the test waits on it, not on a clock. A line nobody is waiting
// for when the buffer is full is dropped.
type logSignal chan string

func (l logSignal) Write(p []byte) (int, error) {
	select {
	case l <- string(p):
	default:
	}
	return len(p), nil
}

func TestCertEnrollWaitsForApproval(t *testing.T) {
	logged := make(logSignal, 256)
	srv := keyfactortest.NewTLSServer(keyfactortest.WithRequestLog(logged))
	t.Cleanup(srv.Close)
	f := &fake{Server: srv, env: fakeEnv(srv, "admin", "KEYFACTOR", keyfactortest.AdminPassword)}
	_, csr := csrFile(t, "pending.example.com")
	r := cli(t, f.env, "", "cert", "enroll", "--csr", csr, "--template", "WebServerApproval")
	if out := decodeEnroll(t, r); r.code != 0 || out.Status != "pending" || out.RequestID == 0 {
		t.Fatalf("pending: %+v", r)
	}
	// --wait: approved while the command waits, once its enrollment is logged.
	done := make(chan result, 1)
	go func() {
		done <- cli(t, f.env, "", "cert", "enroll", "--csr", csr, "--template", "WebServerApproval", "--wait")
	}()
	for line := range logged {
		if strings.Contains(line, `"Method":"POST","Path":"/KeyfactorAPI/Enrollment/CSR"`) && len(f.PendingRequests()) == 2 {
			break
		}
	}
	pending := f.PendingRequests()
	if _, err := f.Approve(pending[1]); err != nil {
		t.Fatal(err)
	}
	r = <-done
	if out := decodeEnroll(t, r); r.code != 0 || out.Status != "issued" || out.CertificateID == 0 {
		t.Errorf("--wait: %+v", r)
	}
	// A denial while waiting is exit 5, with the comment.
	if err := f.Deny(pending[0], "not ours"); err != nil {
		t.Fatal(err)
	}
	r = cli(t, f.env, "", "cert", "enroll", "--csr", csr, "--template", "WebServerApproval", "--wait", "--timeout", "200ms")
	if r.code == 0 {
		t.Errorf("a fresh pending request with --timeout: %+v", r)
	}
}

func TestCertDownloadTemplatesAndCAs(t *testing.T) {
	f := newFake(t)
	_, csr := csrFile(t, "dl.example.com")
	out := decodeEnroll(t, cli(t, f.env, "", "cert", "enroll", "--csr", csr, "--template", "WebServer"))
	r := cli(t, f.env, "", "cert", "download", strconv.Itoa(out.CertificateID), "-o", "text")
	if r.code != 0 || strings.Count(r.stdout, "BEGIN CERTIFICATE") != 3 {
		t.Errorf("download: %+v", r)
	}
	f.AddTemplate(keyfactortest.Template{ShortName: "UserAuth", KeyType: "ECC"})
	r = cli(t, f.env, "", "template", "list", "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "WebServerApproval") || !strings.Contains(r.stdout, "RSA 2048") ||
		!regexp.MustCompile(`UserAuth +ECC +false`).MatchString(r.stdout) {
		t.Errorf("template list: %+v", r)
	}
	if r := cli(t, f.env, "", "template", "get", "--name", "Web Server"); r.code != exitNotFound || !strings.Contains(r.stderr, "display name") {
		t.Errorf("template get by display name: %+v", r)
	}
	if r := cli(t, f.env, "", "ca", "list", "-o", "text"); r.code != 0 || !strings.Contains(r.stdout, `ca.example.com\Example Issuing CA 1`) {
		t.Errorf("ca list: %+v", r)
	}
}

func TestCertEnrollBadInputSendsNothing(t *testing.T) {
	f := newFake(t)
	_, csr := csrFile(t, "x.example.com")
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--template", "WebServer"}, "give --csr FILE or --subject DN"},
		{[]string{"--csr", csr, "--subject", "CN=x", "--template", "WebServer"}, "give --csr FILE or --subject DN"},
		{[]string{"--csr", csr}, "--template"},
		{[]string{"--csr", csr, "--template", "WebServer", "--pattern", "4"}, "--pattern"},
		{[]string{"--csr", csr, "--template", "WebServer", "--san", "bad name"}, "--san"},
		{[]string{"--subject", "CN=x", "--template", "WebServer"}, "--out-dir is required with --subject"},
		{[]string{"--subject", "nonsense", "--template", "WebServer", "--out-dir", dir}, "--subject"},
		{[]string{"--subject", "CN=x", "--template", "WebServer", "--key-type", "RSA", "--key-length", "1024", "--out-dir", dir}, "--key-length"},
		{[]string{"--csr", csr, "--template", "WebServer", "--metadata", "novalue"}, "NAME=VALUE"},
	} {
		r := cli(t, f.env, "", append([]string{"cert", "enroll"}, tt.args...)...)
		if r.code != exitInvalid || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: %+v", tt.args, r)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests", n)
	}
}
