// Command keyfactor issues and fetches certificates, changes their owners,
// and manages security roles in Keyfactor Command from scripts, with the
// keyfactor-go SDK's validation, retries and typed errors.
//
//	keyfactor owner set CERT_ID (--role-id N | --role-name NAME) [--collection-id N | --container-id N]
//	keyfactor owner set --query Q (--role-id N | --role-name NAME) [--plan] [--state FILE] [--concurrency N]
//	keyfactor owner clear CERT_ID [--collection-id N | --container-id N]
//	keyfactor cert get CERT_ID [--collection-id N] [--metadata] [--locations]
//	keyfactor cert list [--query Q] [--collection-id N] [--include-revoked] [--include-expired]
//	keyfactor cert enroll (--csr FILE | --subject DN) (--template NAME | --pattern ID) [--san NAME]... [--out-dir DIR] [--wait]
//	keyfactor cert download CERT_ID [--out-dir DIR]
//	keyfactor cert recover CERT_ID --out-dir DIR                  (the key: DIR/key.pem, mode 0600)
//	keyfactor cert revoke CERT_ID... --reason R --comment TEXT [--plan] [--yes]
//	keyfactor cert renew CERT_ID [--wait]
//	keyfactor cert metadata set (CERT_ID | --query Q) NAME=VALUE...
//	keyfactor cert history CERT_ID, keyfactor cert delete CERT_ID [--yes]
//	keyfactor metadata-field list|get|apply --file F [--plan]|delete
//	keyfactor template list|get, keyfactor ca list
//	keyfactor role create --file role.json
//	keyfactor role get ID
//	keyfactor role list [--query Q] [--page-size N] [--sort FIELD] [--descending]
//	keyfactor role update --file role.json
//	keyfactor role delete (ID | --name NAME)
//	keyfactor role apply --file roles.json [--plan]
//	keyfactor role validate --file roles.json          (offline: no server needed)
//	keyfactor role clone ID --name NAME [--description TEXT] [--email ADDRESS]
//	keyfactor role create-v1 --file role.json          (deprecated API)
//	keyfactor role copy-v1 ID --name NAME --description TEXT [--email ADDRESS]   (deprecated API)
//	keyfactor permission-set list|get (ID | --name NAME)|apply --file sets.json [--plan]|delete (ID | --name NAME)
//	keyfactor whoami
//	keyfactor claim list|get|find|create|delete|roles
//	keyfactor role claim add|remove ROLE_ID --type T --value V --scheme S
//	keyfactor collection list|get, keyfactor container list|get
//	keyfactor completion bash|zsh|fish|powershell
//
// The server and credentials come from the KEYFACTOR_* variables and
// ~/.keyfactor/command_config.json, as for keyfactor.NewClientFromEnv;
// --config and --profile choose another file or profile. No flag takes a
// secret, so none appears in the process list.
//
// Every command takes --output (-o) json|text, --timeout, --dry-run and
// -v; --file has -f and --query -q. --collection-id and --container-id
// take an id or a name.
// Output is JSON on stdout by default. Errors go to stderr as one line (a
// JSON object with --output json). Exit codes: 0 ok; 2 invalid input or
// usage, nothing sent; 3 authentication or authorization (401/403); 4 not
// found; 5 conflict or other 4xx; 6 server or network failure after
// retries; 8 --plan found changes (role apply, owner set --query); 130
// interrupted. When owner set --query changes many certificates and some
// fail, the exit code is the first failure's.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code. Everything it
// reads of its process comes in: getenv stands for the environment (the
// KEYFACTOR_* variables and HOME), so tests run commands in process.
//
// What it prints goes through printable: names, descriptions and messages
// come from the server, and a control character in one must not reach
// the terminal, where it could clear the screen, rewrite the line above
// or set the window title.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{getenv: getenv, stdin: stdin, stdout: printable{stdout}, stderr: printable{stderr}, tty: stderr,
		terminal: isTerminal(stderr), stdinTerminal: isTerminal(stdin)}
	return a.run(ctx, args)
}

// printable writes what it is given with every control character but tab
// and newline escaped as \u00XX: the C0 set (ESC, CR, BEL, …), DEL and the
// C1 set. The escape is also a valid JSON escape, and JSON output holds
// no other control character outside strings, so JSON stays JSON.
type printable struct{ w io.Writer }

func (p printable) Write(b []byte) (int, error) {
	i := 0
	for i < len(b) && controlAt(b, i) == 0 {
		i++
	}
	if i == len(b) {
		return p.w.Write(b)
	}
	out := append(make([]byte, 0, len(b)+16), b[:i]...)
	for i < len(b) {
		switch n := controlAt(b, i); n {
		case 0:
			out = append(out, b[i])
			i++
		default:
			out = fmt.Appendf(out, `\u%04x`, b[i+n-1]) // C1 U+0080–U+009F is 0xC2 then its own value
			i += n
		}
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// controlAt is the length of the control character at b[i]: 1 for a C0
// control other than tab and newline, or DEL; 2 for a UTF-8 encoded C1
// control; 0 for anything else.
func controlAt(b []byte, i int) int {
	switch c := b[i]; {
	case c < 0x20 && c != '\t' && c != '\n', c == 0x7f:
		return 1
	case c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f:
		return 2
	}
	return 0
}
