// Command keyfactortest runs the keyfactortest fake Keyfactor Command as a
// program, for shell scripts, CI jobs and tools written in any language:
//
//	keyfactortest serve [--addr HOST:PORT] [--tls] [--seed FILE] [--log FILE] [--print-env]
//	                    [--latency D] [--fail-rate R] [--drop-rate R] [--random-seed N]
//
// It serves what package keyfactortest serves (roles, certificates and
// owners, users and their permissions, an OAuth token endpoint), seeded
// from a JSON file, logging each request as a JSON line, with faults and
// latency from flags. With --print-env it prints, once it is listening,
// the KEYFACTOR_* settings that point the keyfactor CLI (or any tool that
// reads them) at it, as export lines, then closes standard output, so that
//
//	eval "$(keyfactortest serve --print-env &)"
//
// returns at once with the settings in the shell, and the server serving
// in the background; KEYFACTORTEST_PID names it. SIGINT or SIGTERM stops
// accepting, lets requests in flight finish, and exits 0.
//
// Exit codes: 0 stopped by a signal; 1 it could not serve (the address is
// taken, say); 2 bad flags or seed file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code. stdout is
// closed after --print-env's settings when it is a file.
func run(ctx context.Context, args []string, stdout io.Writer, stderr io.Writer) int {
	root := rootCommand(stdout, stderr)
	root.SetArgs(append([]string{}, args...))
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var se *serveError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &se):
		fmt.Fprintln(stderr, "keyfactortest:", se.err)
		return 1
	}
	fmt.Fprintln(stderr, "keyfactortest:", err)
	return 2
}

// serveError is a failure to serve (exit 1), as opposed to bad input
// (exit 2).
type serveError struct{ err error }

func (e *serveError) Error() string { return e.err.Error() }
