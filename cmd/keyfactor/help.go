package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/cobra"
)

// Help is generated from the command tree: each command's forms (its Use
// line and any others in its "forms" annotation), summary, longer text and
// flags, as pflag describes them.

const footer = `The server and credentials come from KEYFACTOR_* variables or the config file
(KEYFACTOR_ALLOW_INSECURE_HTTP=true allows an http:// server, for local fakes).
Exit codes: 0 ok, 2 invalid input or usage, 3 unauthorized/forbidden, 4 not found,
5 conflict or other 4xx, 6 server or network failure, 7 a store job failed
(store add-cert|remove-cert --wait, job wait, cert rotate), 8 --plan found
changes (role apply, owner set --query), 130 interrupted.
`

// help is the HelpFunc: help asked for goes to stdout.
func (a *app) help(c *cobra.Command, _ []string) { a.writeHelp(a.stdout, c) }

// writeHelp writes c's help: for the root or a group, every command under
// it; for a command, its forms, text and flags.
func (a *app) writeHelp(w io.Writer, c *cobra.Command) {
	var b strings.Builder
	if !c.HasAvailableSubCommands() {
		b.WriteString("usage:\n")
		writeForms(&b, c)
		if c.Long != "" {
			b.WriteString("\n" + strings.TrimSpace(c.Long) + "\n")
		}
		if fl := c.LocalFlags().FlagUsages(); fl != "" {
			b.WriteString("\nflags:\n" + fl)
		}
	} else {
		if c.HasParent() {
			fmt.Fprintf(&b, "usage: %s <command> [arguments] [flags]\n", c.CommandPath())
		} else {
			b.WriteString(c.Short + "\n\n")
			b.WriteString("usage: keyfactor <command> [arguments] [flags]\n       keyfactor <command> --help\n" +
				"       keyfactor completion bash|zsh|fish|powershell\n       keyfactor --version\n")
		}
		b.WriteString("\ncommands:\n")
		walk(c, func(leaf *cobra.Command) { writeForms(&b, leaf) })
	}
	b.WriteString("\nflags for every command:\n" + c.Root().PersistentFlags().FlagUsages())
	b.WriteString("\n" + footer)
	fmt.Fprint(w, b.String())
}

// walk calls fn for every runnable command under c, in the order added.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	for _, sub := range c.Commands() {
		switch {
		case !sub.IsAvailableCommand(), !c.HasParent() && sub.Name() == "completion": // the usage names it
		case sub.HasAvailableSubCommands():
			walk(sub, fn)
		default:
			fn(sub)
		}
	}
}

// writeForms writes each way to call c, then its summary.
func writeForms(b *strings.Builder, c *cobra.Command) {
	path := c.CommandPath()
	forms := []string{strings.TrimPrefix(c.Use, c.Name())}
	if f, ok := c.Annotations["forms"]; ok {
		forms = strings.Split(f, "\n")
	}
	for _, f := range forms {
		fmt.Fprintf(b, "  %s\n", strings.TrimSpace(path+" "+strings.TrimSpace(f)))
	}
	fmt.Fprintf(b, "      %s\n", c.Short)
}

// version is what --version and the version command print.
func version() string {
	return "keyfactor " + keyfactor.Version + " (keyfactor-go SDK " + keyfactor.Version + ")\n"
}
