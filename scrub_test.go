package keyfactor

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRedactSecrets: whatever the secret and the text around it, no echo
// form of the secret survives redaction.
func FuzzRedactSecrets(f *testing.F) {
	for _, s := range [][2]string{{`pw<&"Ab9 '#`, "Message: "}, {"tok-Ll93$z", `{"a":"`}, {"ümlaut-Pw/+=", "x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, secret, around string) {
		if len(secret) < minSecretLen || !utf8.ValidString(secret) || strings.Contains(around, secret) {
			return
		}
		for name, form := range echoForms {
			echoed := form(secret)
			got := redactSecrets(around+echoed+around, secret)
			if strings.Contains(got, echoed) {
				t.Fatalf("%s form %q of %q survives in %q", name, echoed, secret, got)
			}
		}
	})
}
