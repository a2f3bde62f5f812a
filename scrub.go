package keyfactor

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// A server or proxy that echoes a request in its error page may echo the
// credentials with it, escaped for wherever it writes them: HTML, a URL, a
// form or JSON, including .NET's \u003C style. Everything the SDK reports
// from a response passes through redactSecrets first.

// redactSecrets replaces every secret of at least minSecretLen bytes in
// text, in any form a server may echo it in (see secretPattern).
func redactSecrets(text string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) < minSecretLen || text == "" {
			continue
		}
		text = secretPattern(s).ReplaceAllLiteralString(text, redacted)
	}
	return text
}

// secretPattern matches s with each of its characters as is or escaped:
// percent-encoded (either hex case; "+" for a space), as an HTML character
// reference (named, decimal or hex) or as a JSON escape (\uXXXX in either
// case, \" \\ \/). Characters are matched independently, so a text that
// escapes only some of them is matched too. Letters, digits and "-_.~" are
// never escaped by any of these encoders and match only as themselves,
// which keeps the pattern of a long token small.
func secretPattern(s string) *regexp.Regexp {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r)) {
			b.WriteString(regexp.QuoteMeta(string(r)))
			continue
		}
		alts := []string{regexp.QuoteMeta(string(r))}
		var pct strings.Builder
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&pct, "%%(?i:%02x)", c)
		}
		alts = append(alts, pct.String(), fmt.Sprintf("&#0*%d;", r), fmt.Sprintf("&#[xX]0*(?i:%x);", r))
		if r == ' ' {
			alts = append(alts, `\+`)
		}
		if name, ok := htmlNames[r]; ok {
			alts = append(alts, "(?i:"+name+")")
		}
		if r <= 0xFFFF {
			alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)`, r))
		}
		if r == '"' || r == '\\' || r == '/' {
			alts = append(alts, regexp.QuoteMeta(`\`+string(r)))
		}
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	re, err := regexp.Compile(b.String())
	if err != nil { // cannot happen: every piece is quoted; match the raw form at least
		return regexp.MustCompile(regexp.QuoteMeta(s))
	}
	return re
}

// htmlNames are the named references HTML encoders use.
var htmlNames = map[rune]string{'<': "&lt;", '>': "&gt;", '&': "&amp;", '"': "&quot;", '\'': "&apos;"}

// scrubbedError hides secrets that an underlying error might echo (an
// identity provider's error page, say) while keeping the chain for errors.Is.
type scrubbedError struct {
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string { return redactSecrets(e.err.Error(), e.secrets...) }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubTokenError scrubs a token fetch's error, including the
// *oauth2.RetrieveError that errors.As reaches: it is replaced by a copy
// whose body and messages are scrubbed and whose Response no longer leads
// to the token request (whose GetBody would re-create the form holding the
// client secret).
func scrubTokenError(err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		clean := *re
		clean.Body = []byte(redactSecrets(string(re.Body), secrets...))
		clean.ErrorCode = redactSecrets(re.ErrorCode, secrets...)
		clean.ErrorDescription = redactSecrets(re.ErrorDescription, secrets...)
		clean.ErrorURI = redactSecrets(re.ErrorURI, secrets...)
		if re.Response != nil {
			resp := *re.Response
			resp.Request, resp.Body = nil, http.NoBody
			clean.Response = &resp
		}
		prefix, _, _ := strings.Cut(err.Error(), re.Error())
		err = fmt.Errorf("%s%w", prefix, &clean)
	}
	return &scrubbedError{err: err, secrets: secrets}
}
