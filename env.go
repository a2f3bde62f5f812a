package keyfactor

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
)

// LoadOptions says where LoadConfig looks. The zero value is what
// ConfigFromEnv uses.
type LoadOptions struct {
	// ConfigFile overrides KEYFACTOR_AUTH_CONFIG_FILE and the default
	// ~/.keyfactor/command_config.json. A file named here or in the variable
	// must exist; the default file may be absent.
	ConfigFile string
	// Profile overrides KEYFACTOR_AUTH_CONFIG_PROFILE (default "default").
	Profile string
	// Logger becomes Config.Logger, so that NewClient can warn about
	// KEYFACTOR_SKIP_VERIFY. Nil is silent.
	Logger *slog.Logger
	// Getenv, when set, is read instead of the process environment, for
	// every KEYFACTOR_* variable and for HOME (where the default config
	// file lives), so that a program can load a configuration it was
	// handed (a CLI run in process by its tests, say). Nil is os.Getenv.
	Getenv func(key string) string
}

// ConfigFromEnv builds a Config from the KEYFACTOR_* environment variables
// used by Keyfactor's own Go tools and from the profile in
// ~/.keyfactor/command_config.json. An environment variable wins over the
// file; set fields on the returned Config to win over both.
func ConfigFromEnv() (Config, error) { return LoadConfig(LoadOptions{}) }

// NewClientFromEnv is NewClient(ConfigFromEnv()).
func NewClientFromEnv() (*Client, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	return NewClient(cfg)
}

// profile is one entry of command_config.json's "servers" object. Port and
// skip_tls_verify are seen both as JSON strings and as a number or bool.
type profile struct {
	Host          string          `json:"host"`
	Port          json.RawMessage `json:"port"`
	Username      string          `json:"username"`
	Password      string          `json:"password"`
	Domain        string          `json:"domain"`
	ClientID      string          `json:"client_id"`
	ClientSecret  string          `json:"client_secret"`
	AccessToken   string          `json:"access_token"`
	TokenURL      string          `json:"token_url"`
	Scopes        []string        `json:"scopes"`
	Audience      string          `json:"audience"`
	APIPath       string          `json:"api_path"`
	SkipTLSVerify json.RawMessage `json:"skip_tls_verify"`
	CACertPath    string          `json:"ca_cert_path"`
	AuthType      string          `json:"auth_type"`
}

// rawText renders a JSON string, number or bool as its text.
func rawText(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return string(r)
}

// source is one setting with where it came from, for error messages.
type source struct {
	value, from string
}

// loader resolves settings: environment first, then the file's profile.
type loader struct {
	getenv  func(string) string
	file    string
	profile string
	p       profile
}

func (l *loader) get(env, fileValue, fileKey string) source {
	if v := strings.TrimSpace(l.getenv(env)); v != "" {
		return source{v, env}
	}
	if fileValue != "" {
		return source{fileValue, fmt.Sprintf("%s (profile %q, %s)", l.file, l.profile, fileKey)}
	}
	return source{}
}

// LoadConfig is ConfigFromEnv with the file, profile and logger chosen by
// the caller (a CLI's --config and --profile flags, say). Errors name the
// variable or file at fault and never hold a secret.
func LoadConfig(opts LoadOptions) (Config, error) {
	l := &loader{getenv: opts.Getenv}
	if l.getenv == nil {
		l.getenv = os.Getenv
	}
	if err := l.readFile(opts); err != nil {
		return Config{}, err
	}
	cfg := Config{Logger: opts.Logger}

	host := l.get("KEYFACTOR_HOSTNAME", l.p.Host, "host")
	if host.value == "" {
		return Config{}, fmt.Errorf("%w: set KEYFACTOR_HOSTNAME or host in %s", ErrNotConfigured, l.fileName())
	}
	port := l.get("KEYFACTOR_PORT", rawText(l.p.Port), "port")
	apiPath := l.get("KEYFACTOR_API_PATH", l.p.APIPath, "api_path")
	base, err := baseURL(host, port, apiPath)
	if err != nil {
		return Config{}, err
	}
	cfg.BaseURL = base
	if allow := l.get("KEYFACTOR_ALLOW_INSECURE_HTTP", "", ""); allow.value != "" {
		b, err := strconv.ParseBool(allow.value)
		if err != nil {
			return Config{}, errorf("%s: %q is not a boolean (true, false, 1, 0)", allow.from, allow.value)
		}
		cfg.AllowInsecureHTTP = b
	}
	if strings.HasPrefix(base, "http://") && !cfg.AllowInsecureHTTP {
		return Config{}, errorf("%s: an http:// server is refused; use https, or set KEYFACTOR_ALLOW_INSECURE_HTTP=true (local fakes and tests only)",
			host.from)
	}

	if err := l.tls(&cfg); err != nil {
		return Config{}, err
	}
	if t := l.get("KEYFACTOR_CLIENT_TIMEOUT", "", ""); t.value != "" {
		d, err := parseTimeout(t.value)
		if err != nil {
			return Config{}, errorf("%s: %w", t.from, err)
		}
		cfg.Timeout = d
	}
	auth, err := l.auth()
	if err != nil {
		return Config{}, err
	}
	cfg.Auth = auth
	return cfg, nil
}

func (l *loader) fileName() string {
	if l.file != "" {
		return l.file
	}
	return "~/.keyfactor/command_config.json"
}

// readFile loads the profile. The default file may be missing; a file named
// explicitly, or a named profile, must exist.
func (l *loader) readFile(opts LoadOptions) error {
	explicit := true
	l.file = opts.ConfigFile
	if l.file == "" {
		l.file = l.getenv("KEYFACTOR_AUTH_CONFIG_FILE")
	}
	if l.file == "" {
		explicit = false
		home, err := os.UserHomeDir()
		if opts.Getenv != nil {
			home, err = l.getenv("HOME"), nil
		}
		if err != nil || home == "" {
			return nil // no home, no default file
		}
		l.file = filepath.Join(home, ".keyfactor", "command_config.json")
	}
	l.profile = cmp.Or(opts.Profile, l.getenv("KEYFACTOR_AUTH_CONFIG_PROFILE"))
	namedProfile := l.profile != ""
	if !namedProfile {
		l.profile = "default"
	}
	data, err := os.ReadFile(l.file)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		if namedProfile {
			return errorf("profile %q: config file %s does not exist", l.profile, l.file)
		}
		return nil
	}
	if err != nil {
		return errorf("config file: %w", err)
	}
	var doc struct {
		Servers map[string]profile `json:"servers"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return errorf("config file %s is not valid JSON: %w", l.file, err)
	}
	// Keys other tools add are fine, but a key written twice (a second
	// "host", a "Password" beside "password") would let the unseen one win.
	if err := strictjson.CheckDuplicateKeys(data); err != nil {
		return errorf("config file %s: %w", l.file, err)
	}
	if doc.Servers == nil {
		// A common mistake: the profile's keys at the top level. Saying
		// "set host" then would send the user looking in the wrong place.
		var flat map[string]json.RawMessage
		if json.Unmarshal(data, &flat) == nil && len(flat) > 0 {
			keys := make([]string, 0, len(flat))
			for k := range flat {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return fmt.Errorf(`keyfactor: config file %s has no "servers" object (its top-level keys are %s): profiles go inside it, `+
				`as {"servers": {"default": {"host": "kf.example.com", "username": "…", …}}}`, l.file, strings.Join(keys, ", "))
		}
	}
	p, ok := doc.Servers[l.profile]
	if !ok && namedProfile {
		return errorf("config file %s has no profile %q", l.file, l.profile)
	}
	l.p = p
	return nil
}

// baseURL joins host, port and API path. The host normally has no scheme;
// one given explicitly is kept so that NewClient can judge it.
func baseURL(host, port, apiPath source) (string, error) {
	h := strings.TrimRight(host.value, "/")
	scheme := "https"
	if i := strings.Index(h, "://"); i >= 0 {
		scheme, h = h[:i], h[i+3:]
	}
	if at := strings.LastIndex(h, "@"); at >= 0 {
		// Never quote it: what comes before the @ is a password.
		return "", errorf("%s: the host name holds credentials before \"@%s\"; set KEYFACTOR_USERNAME and KEYFACTOR_PASSWORD (or the file's username and password) instead",
			host.from, h[at+1:])
	}
	if h == "" || strings.ContainsAny(h, "/?#@ ") {
		return "", errorf("%s: %q is not a host name", host.from, host.value)
	}
	// The host may carry its own port ("kf.example.com:8443", "[::1]:8443"),
	// as Keyfactor's tools allow. A second, different port is a conflict to
	// refuse rather than join into "host:8443:443".
	if name, hostPort, err := net.SplitHostPort(h); err == nil {
		if port.value != "" && port.value != hostPort {
			return "", errorf("%s names port %s but %s names port %s: set the port in one place, or make them agree",
				host.from, hostPort, port.from, port.value)
		}
		h, port = name, source{hostPort, host.from}
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
	}
	if port.value != "" {
		n, err := strconv.Atoi(port.value)
		if err != nil || n < 1 || n > 65535 {
			return "", errorf("%s: %q is not a port number (1-65535)", port.from, port.value)
		}
		if !(scheme == "https" && n == 443) && !(scheme == "http" && n == 80) {
			h += ":" + strconv.Itoa(n)
		}
	}
	path := strings.Trim(apiPath.value, "/")
	if path == "" {
		path = "KeyfactorAPI"
	}
	u := url.URL{Scheme: scheme, Host: h, Path: "/" + path}
	return u.String(), nil
}

// tls builds a transport when the settings change TLS: a CA for the server
// (KEYFACTOR_CA_CERT or ca_cert_path), a CA for the identity provider
// (KEYFACTOR_AUTH_CA_CERT; the token request shares the Client's transport,
// so both are trusted there) or KEYFACTOR_SKIP_VERIFY.
func (l *loader) tls(cfg *Config) error {
	skip := l.get("KEYFACTOR_SKIP_VERIFY", rawText(l.p.SkipTLSVerify), "skip_tls_verify")
	insecure := false
	if skip.value != "" {
		b, err := strconv.ParseBool(skip.value)
		if err != nil {
			return errorf("%s: %q is not a boolean (true, false, 1, 0)", skip.from, skip.value)
		}
		insecure = b
	}
	cas := []source{l.get("KEYFACTOR_CA_CERT", l.p.CACertPath, "ca_cert_path"), l.get("KEYFACTOR_AUTH_CA_CERT", "", "")}
	var pool *x509.CertPool
	for _, ca := range cas {
		if ca.value == "" {
			continue
		}
		pem, err := readPEM(ca)
		if err != nil {
			return err
		}
		if pool == nil {
			if pool, err = x509.SystemCertPool(); err != nil {
				pool = x509.NewCertPool()
			}
		}
		if !pool.AppendCertsFromPEM(pem) {
			return errorf("%s: no PEM certificate found", ca.from)
		}
	}
	if pool == nil && !insecure {
		return nil
	}
	t := newDefaultTransport()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, InsecureSkipVerify: insecure} //nolint:gosec // opt-in, warned about by NewClient
	cfg.HTTPClient = &http.Client{Transport: t}
	return nil
}

// readPEM takes PEM text as is and otherwise reads the named file, so that a
// stale path is reported as a missing file, not as bad PEM.
func readPEM(s source) ([]byte, error) {
	if strings.Contains(s.value, "-----BEGIN") {
		return []byte(s.value), nil
	}
	data, err := os.ReadFile(s.value)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errorf("%s: CA certificate file %q does not exist", s.from, s.value)
	case err != nil:
		return nil, errorf("%s: %w", s.from, err)
	}
	return data, nil
}

// parseTimeout accepts a Go duration ("60s", "2m") or whole seconds ("60").
func parseTimeout(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("%q must be positive", v)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 60s", v)
	}
	return d, nil
}

// auth picks the credentials: auth_type when the file sets it, otherwise an
// access token or client id and secret (OAuth), otherwise basic.
func (l *loader) auth() (Authenticator, error) {
	token := l.get("KEYFACTOR_AUTH_ACCESS_TOKEN", l.p.AccessToken, "access_token")
	clientID := l.get("KEYFACTOR_AUTH_CLIENT_ID", l.p.ClientID, "client_id")
	secret := l.get("KEYFACTOR_AUTH_CLIENT_SECRET", l.p.ClientSecret, "client_secret")
	user := l.get("KEYFACTOR_USERNAME", l.p.Username, "username")
	kind := strings.ToLower(strings.TrimSpace(l.p.AuthType))
	switch kind {
	case "", "basic", "oauth":
	default:
		return nil, errorf("%s (profile %q): auth_type %q is not basic or oauth", l.file, l.profile, l.p.AuthType)
	}
	if kind == "oauth" || kind == "" && (token.value != "" || clientID.value != "" || secret.value != "") {
		if token.value != "" {
			return BearerToken(token.value), nil
		}
		tokenURL := l.get("KEYFACTOR_AUTH_TOKEN_URL", l.p.TokenURL, "token_url")
		if clientID.value == "" || secret.value == "" || tokenURL.value == "" {
			return nil, errors.New("keyfactor: OAuth needs KEYFACTOR_AUTH_ACCESS_TOKEN, or KEYFACTOR_AUTH_CLIENT_ID, " +
				"KEYFACTOR_AUTH_CLIENT_SECRET and KEYFACTOR_AUTH_TOKEN_URL (or the same in " + l.fileName() + ")")
		}
		o := OAuth2ClientCredentials{TokenURL: tokenURL.value, ClientID: clientID.value, ClientSecret: secret.value,
			Audience: l.get("KEYFACTOR_AUTH_AUDIENCE", l.p.Audience, "audience").value, Scopes: l.p.Scopes}
		if s := l.getenv("KEYFACTOR_AUTH_SCOPES"); strings.TrimSpace(s) != "" {
			o.Scopes = nil
			for _, sc := range strings.Split(s, ",") {
				if sc = strings.TrimSpace(sc); sc != "" {
					o.Scopes = append(o.Scopes, sc)
				}
			}
		}
		return o, nil
	}
	password := l.get("KEYFACTOR_PASSWORD", l.p.Password, "password")
	if user.value == "" || password.value == "" {
		return nil, errors.New("keyfactor: no credentials: set KEYFACTOR_USERNAME and KEYFACTOR_PASSWORD, " +
			"KEYFACTOR_AUTH_ACCESS_TOKEN, or KEYFACTOR_AUTH_CLIENT_ID and KEYFACTOR_AUTH_CLIENT_SECRET (or the same in " + l.fileName() + ")")
	}
	return BasicAuth{Username: user.value, Password: password.value,
		Domain: l.get("KEYFACTOR_DOMAIN", l.p.Domain, "domain").value}, nil
}
