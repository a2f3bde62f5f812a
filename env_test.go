package keyfactor

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envVars are every variable ConfigFromEnv reads; each test starts with all
// of them empty and a HOME without a config file.
var envVars = []string{
	"KEYFACTOR_HOSTNAME", "KEYFACTOR_PORT", "KEYFACTOR_API_PATH", "KEYFACTOR_SKIP_VERIFY", "KEYFACTOR_CA_CERT",
	"KEYFACTOR_CLIENT_TIMEOUT", "KEYFACTOR_USERNAME", "KEYFACTOR_PASSWORD", "KEYFACTOR_DOMAIN",
	"KEYFACTOR_AUTH_CLIENT_ID", "KEYFACTOR_AUTH_CLIENT_SECRET", "KEYFACTOR_AUTH_TOKEN_URL", "KEYFACTOR_AUTH_SCOPES",
	"KEYFACTOR_AUTH_AUDIENCE", "KEYFACTOR_AUTH_ACCESS_TOKEN", "KEYFACTOR_AUTH_CA_CERT",
	"KEYFACTOR_AUTH_CONFIG_FILE", "KEYFACTOR_AUTH_CONFIG_PROFILE", "KEYFACTOR_ALLOW_INSECURE_HTTP",
}

func cleanEnv(t *testing.T) string {
	t.Helper()
	for _, v := range envVars {
		t.Setenv(v, "")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	return home
}

func writeConfigFile(t *testing.T, home, body string) string {
	t.Helper()
	dir := filepath.Join(home, ".keyfactor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "command_config.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		file     string
		wantBase string
		wantAuth Authenticator
		timeout  time.Duration
	}{
		{"basic from env", map[string]string{"KEYFACTOR_HOSTNAME": "kf.keyexample.com", "KEYFACTOR_USERNAME": "jsmith",
			"KEYFACTOR_PASSWORD": "pw", "KEYFACTOR_DOMAIN": "KEYEXAMPLE", "KEYFACTOR_CLIENT_TIMEOUT": "45s"}, "",
			"https://kf.keyexample.com/KeyfactorAPI", BasicAuth{Username: "jsmith", Password: "pw", Domain: "KEYEXAMPLE"}, 45 * time.Second},
		{"port and api path", map[string]string{"KEYFACTOR_HOSTNAME": "kf.keyexample.com", "KEYFACTOR_PORT": "8443",
			"KEYFACTOR_API_PATH": "/Keyfactor/API/", "KEYFACTOR_AUTH_ACCESS_TOKEN": "tok", "KEYFACTOR_CLIENT_TIMEOUT": "30"}, "",
			"https://kf.keyexample.com:8443/Keyfactor/API", BearerToken("tok"), 30 * time.Second},
		{"oauth from env", map[string]string{"KEYFACTOR_HOSTNAME": "kf", "KEYFACTOR_AUTH_CLIENT_ID": "id",
			"KEYFACTOR_AUTH_CLIENT_SECRET": "sec", "KEYFACTOR_AUTH_TOKEN_URL": "https://idp/token",
			"KEYFACTOR_AUTH_SCOPES": "a, b", "KEYFACTOR_AUTH_AUDIENCE": "aud"}, "",
			"https://kf/KeyfactorAPI", OAuth2ClientCredentials{TokenURL: "https://idp/token", ClientID: "id", ClientSecret: "sec",
				Audience: "aud", Scopes: []string{"a", "b"}}, 0},
		{"access token wins over client credentials", map[string]string{"KEYFACTOR_HOSTNAME": "kf",
			"KEYFACTOR_AUTH_ACCESS_TOKEN": "tok", "KEYFACTOR_AUTH_CLIENT_ID": "id", "KEYFACTOR_AUTH_CLIENT_SECRET": "sec"}, "",
			"https://kf/KeyfactorAPI", BearerToken("tok"), 0},
		{"file only", nil, `{"servers":{"default":{"host":"file.keyexample.com","port":"443","username":"fuser",
			"password":"fpw","domain":"FDOM","api_path":"KeyfactorAPI"}}}`,
			"https://file.keyexample.com/KeyfactorAPI", BasicAuth{Username: "fuser", Password: "fpw", Domain: "FDOM"}, 0},
		{"env wins over file, field by field", map[string]string{"KEYFACTOR_HOSTNAME": "env.keyexample.com",
			"KEYFACTOR_PASSWORD": "envpw"}, `{"servers":{"default":{"host":"file","port":9443,"username":"fuser","password":"fpw"}}}`,
			"https://env.keyexample.com:9443/KeyfactorAPI", BasicAuth{Username: "fuser", Password: "envpw"}, 0},
		{"file oauth with scopes", nil, `{"servers":{"default":{"host":"kf","client_id":"id","client_secret":"s",
			"token_url":"https://idp/t","scopes":["x"],"audience":"aud","auth_type":"oauth"}}}`,
			"https://kf/KeyfactorAPI", OAuth2ClientCredentials{TokenURL: "https://idp/t", ClientID: "id", ClientSecret: "s",
				Audience: "aud", Scopes: []string{"x"}}, 0},
		{"a port in the host", map[string]string{"KEYFACTOR_HOSTNAME": "kf.keyexample.com:8443", "KEYFACTOR_AUTH_ACCESS_TOKEN": "tok"},
			"", "https://kf.keyexample.com:8443/KeyfactorAPI", BearerToken("tok"), 0},
		{"the same port twice", map[string]string{"KEYFACTOR_HOSTNAME": "kf.keyexample.com:8443", "KEYFACTOR_PORT": "8443",
			"KEYFACTOR_AUTH_ACCESS_TOKEN": "tok"}, "", "https://kf.keyexample.com:8443/KeyfactorAPI", BearerToken("tok"), 0},
		{"an IPv6 host with its port", map[string]string{"KEYFACTOR_HOSTNAME": "[::1]:8443", "KEYFACTOR_AUTH_ACCESS_TOKEN": "tok"},
			"", "https://[::1]:8443/KeyfactorAPI", BearerToken("tok"), 0},
		{"named profile", map[string]string{"KEYFACTOR_AUTH_CONFIG_PROFILE": "lab"},
			`{"servers":{"default":{"host":"prod"},"lab":{"host":"lab.keyexample.com","access_token":"labtok"}}}`,
			"https://lab.keyexample.com/KeyfactorAPI", BearerToken("labtok"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := cleanEnv(t)
			if tt.file != "" {
				writeConfigFile(t, home, tt.file)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := ConfigFromEnv()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.BaseURL != tt.wantBase {
				t.Errorf("BaseURL = %s, want %s", cfg.BaseURL, tt.wantBase)
			}
			if !reflect.DeepEqual(cfg.Auth, tt.wantAuth) {
				t.Errorf("Auth = %#v, want %#v", cfg.Auth, tt.wantAuth)
			}
			if cfg.Timeout != tt.timeout {
				t.Errorf("Timeout = %v, want %v", cfg.Timeout, tt.timeout)
			}
			if _, err := NewClient(cfg); err != nil {
				t.Errorf("NewClient: %v", err)
			}
		})
	}
}

func TestConfigFromEnvErrorsNameTheCulprit(t *testing.T) {
	base := map[string]string{"KEYFACTOR_HOSTNAME": "kf", "KEYFACTOR_USERNAME": "u", "KEYFACTOR_PASSWORD": "hunter22"}
	tests := []struct {
		name string
		env  map[string]string
		file string
		want []string
	}{
		{"bad port", map[string]string{"KEYFACTOR_PORT": "https"}, "", []string{"KEYFACTOR_PORT", `"https"`}},
		{"port out of range", map[string]string{"KEYFACTOR_PORT": "70000"}, "", []string{"KEYFACTOR_PORT"}},
		{"bad bool", map[string]string{"KEYFACTOR_SKIP_VERIFY": "yes please"}, "", []string{"KEYFACTOR_SKIP_VERIFY"}},
		{"bad timeout", map[string]string{"KEYFACTOR_CLIENT_TIMEOUT": "soon"}, "", []string{"KEYFACTOR_CLIENT_TIMEOUT"}},
		{"missing CA file", map[string]string{"KEYFACTOR_CA_CERT": "/nonexistent/ca.pem"}, "",
			[]string{"KEYFACTOR_CA_CERT", "/nonexistent/ca.pem", "does not exist"}},
		{"CA text without a certificate", map[string]string{"KEYFACTOR_CA_CERT": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"},
			"", []string{"KEYFACTOR_CA_CERT", "no PEM certificate"}},
		{"missing auth CA file", map[string]string{"KEYFACTOR_AUTH_CA_CERT": "/gone/idp.pem"}, "",
			[]string{"KEYFACTOR_AUTH_CA_CERT", "does not exist"}},
		{"malformed file", nil, `{"servers": {`, []string{"command_config.json", "not valid JSON"}},
		{"bad port in file", map[string]string{"KEYFACTOR_PORT": ""}, `{"servers":{"default":{"port":"x"}}}`,
			[]string{"command_config.json", "port", `"x"`}},
		{"missing named profile", map[string]string{"KEYFACTOR_AUTH_CONFIG_PROFILE": "lab"}, `{"servers":{}}`,
			[]string{"command_config.json", `"lab"`}},
		{"missing explicit file", map[string]string{"KEYFACTOR_AUTH_CONFIG_FILE": "/nonexistent/kf.json"}, "",
			[]string{"/nonexistent/kf.json"}},
		{"no host", map[string]string{"KEYFACTOR_HOSTNAME": ""}, "", []string{"KEYFACTOR_HOSTNAME"}},
		{"a key twice in the file", map[string]string{"KEYFACTOR_HOSTNAME": ""},
			`{"servers":{"default":{"host":"kf","username":"u","password":"hunter22","Host":"evil.example.com"}}}`,
			[]string{"command_config.json", `"Host" appears twice`}},
		{"two different ports", map[string]string{"KEYFACTOR_HOSTNAME": "kf:8443", "KEYFACTOR_PORT": "443"}, "",
			[]string{"KEYFACTOR_HOSTNAME names port 8443", "KEYFACTOR_PORT names port 443"}},
		{"a flat config file", map[string]string{"KEYFACTOR_HOSTNAME": ""}, `{"host": "kf", "username": "u", "password": "hunter22"}`,
			[]string{`no "servers" object`, "host, password, username", `{"servers": {"default": {"host"`}},
		{"no credentials", map[string]string{"KEYFACTOR_USERNAME": "", "KEYFACTOR_PASSWORD": ""}, "",
			[]string{"KEYFACTOR_USERNAME", "KEYFACTOR_AUTH_ACCESS_TOKEN"}},
		{"client id without token url", map[string]string{"KEYFACTOR_AUTH_CLIENT_ID": "id", "KEYFACTOR_AUTH_CLIENT_SECRET": "s"},
			"", []string{"KEYFACTOR_AUTH_TOKEN_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := cleanEnv(t)
			for k, v := range base {
				t.Setenv(k, v)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.file != "" {
				writeConfigFile(t, home, tt.file)
			}
			_, err := ConfigFromEnv()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error shows the password: %v", err)
			}
			if want := tt.name == "no host"; errors.Is(err, ErrNotConfigured) != want {
				t.Errorf("errors.Is(err, ErrNotConfigured) = %v, want %v: %v", !want, want, err)
			}
			if tt.name == "missing CA file" && strings.Contains(err.Error(), "PEM") {
				t.Errorf("a missing file surfaced as a PEM problem: %v", err)
			}
		})
	}
}

func TestMissingDefaultFileIsFine(t *testing.T) {
	cleanEnv(t)
	t.Setenv("KEYFACTOR_HOSTNAME", "kf")
	t.Setenv("KEYFACTOR_AUTH_ACCESS_TOKEN", "tok")
	if _, err := ConfigFromEnv(); err != nil {
		t.Fatal(err)
	}
}

func TestCACertAndSkipVerifyReachTheTransport(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case fails its handshake on purpose
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		warn    bool
	}{
		{"untrusted without a CA", nil, true, false},
		{"CA file", map[string]string{"KEYFACTOR_CA_CERT": caFile}, false, false},
		{"CA as PEM text", map[string]string{"KEYFACTOR_CA_CERT": string(caPEM)}, false, false},
		{"skip verify", map[string]string{"KEYFACTOR_SKIP_VERIFY": "true"}, false, true},
		{"skip verify as 1", map[string]string{"KEYFACTOR_SKIP_VERIFY": "1"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			t.Setenv("KEYFACTOR_HOSTNAME", host)
			t.Setenv("KEYFACTOR_AUTH_ACCESS_TOKEN", "tok")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var logs bytes.Buffer
			cfg, err := LoadConfig(LoadOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Retry.MaxRetries = -1
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Certificates.ClearOwner(t.Context(), 1, OwnerScope{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			warned := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "verification is disabled")
			if warned != tt.warn {
				t.Errorf("warned = %v; logs: %s", warned, logs.String())
			}
			if cfg.HTTPClient != nil {
				tc := cfg.HTTPClient.Transport.(*http.Transport).TLSClientConfig
				if tc.MinVersion < tls.VersionTLS12 {
					t.Errorf("MinVersion = %x", tc.MinVersion)
				}
			}
		})
	}
}

// TestHostWithCredentialsIsNeverQuoted: a password put into the host name
// (from the environment or the file) must not reach the error.
func TestHostWithCredentialsIsNeverQuoted(t *testing.T) {
	const pw = "Pw-In-Host-93"
	for _, host := range []string{"https://svc:" + pw + "@kf.example.com", "svc:" + pw + "@kf.example.com", "svc:" + pw + "@x@kf.example.com"} {
		home := cleanEnv(t)
		t.Setenv("KEYFACTOR_HOSTNAME", host)
		t.Setenv("KEYFACTOR_USERNAME", "u")
		t.Setenv("KEYFACTOR_PASSWORD", "p")
		_, err := ConfigFromEnv()
		if err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "KEYFACTOR_HOSTNAME") ||
			!strings.Contains(err.Error(), "kf.example.com") {
			t.Errorf("host %q: err = %v", host, err)
		}
		t.Setenv("KEYFACTOR_HOSTNAME", "")
		writeConfigFile(t, home, `{"servers":{"default":{"host":"`+host+`","username":"u","password":"p"}}}`)
		if _, err := ConfigFromEnv(); err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "host") {
			t.Errorf("file host %q: err = %v", host, err)
		}
	}
}

func TestPlainHTTPNeedsItsOwnVariable(t *testing.T) {
	cleanEnv(t)
	t.Setenv("KEYFACTOR_HOSTNAME", "http://127.0.0.1:8080")
	t.Setenv("KEYFACTOR_USERNAME", "u")
	t.Setenv("KEYFACTOR_PASSWORD", "p")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "KEYFACTOR_ALLOW_INSECURE_HTTP=true") {
		t.Fatalf("http:// without the variable: %v", err)
	}
	t.Setenv("KEYFACTOR_ALLOW_INSECURE_HTTP", "true")
	cfg, err := ConfigFromEnv()
	if err != nil || !cfg.AllowInsecureHTTP || cfg.BaseURL != "http://127.0.0.1:8080/KeyfactorAPI" {
		t.Fatalf("cfg = %+v, %v", cfg, err)
	}
	if _, err := NewClient(cfg); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KEYFACTOR_ALLOW_INSECURE_HTTP", "sure")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "KEYFACTOR_ALLOW_INSECURE_HTTP") {
		t.Errorf("bad bool: %v", err)
	}
}
