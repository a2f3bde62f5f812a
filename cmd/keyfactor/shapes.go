package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"text/tabwriter"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

// listCommand is a "list [--query Q] [--page-size N]" command for what:
// one JSON line per item, or a table with --output text.
func listCommand[T any](a *app, fs *pflag.FlagSet, what, queryHelp string,
	list func(context.Context, *keyfactor.Client, string, int) iter.Seq2[T, error],
	header string, row func(T) string) func(context.Context, []string) error {
	query := fs.StringP("query", "q", "", queryHelp)
	pageSize := fs.Int("page-size", 0, what+"s per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		a.followUps = "further pages are read while pages come back full"
		c := a.kf
		return stream(a, list(ctx, c, *query, *pageSize), header, row)
	}
}

// byIDOrName reads the argument of a get whose count idOrName checked: an
// id, or --name.
func byIDOrName(args []string, fs *pflag.FlagSet) (id int, byName bool, err error) {
	if fs.Changed("name") {
		return 0, true, nil
	}
	id, err = intArg("ID", args[0])
	return id, false, err
}

// getByIDOrName is a "get ID | --name NAME" command for what.
func getByIDOrName[T any](a *app, fs *pflag.FlagSet, what string,
	byID func(context.Context, *keyfactor.Client, int) (*T, error),
	byName func(context.Context, *keyfactor.Client, string) (*T, error),
	text func(io.Writer, *T)) func(context.Context, []string) error {
	name := fs.String("name", "", "the "+what+" with exactly this name, instead of ID")
	return func(ctx context.Context, args []string) error {
		id, named, err := byIDOrName(args, fs)
		if err != nil {
			return err
		}
		c := a.kf
		var x *T
		if named {
			x, err = byName(ctx, c, *name)
		} else {
			x, err = byID(ctx, c, id)
		}
		if err != nil {
			return err
		}
		return a.print(x, func(w io.Writer) { text(w, x) })
	}
}

// stream prints each item of a list as it arrives: a JSON line, or with
// --output text a table row (header names the columns, tab-separated). A
// long list streams, and a page that fails leaves the earlier items
// printed. The table's header comes with its first row, or at the end of
// an empty list: a list that fails at once prints nothing on stdout.
func stream[T any](a *app, items iter.Seq2[T, error], header string, row func(T) string) error {
	var table *tabwriter.Writer
	enc := json.NewEncoder(a.stdout)
	headed := false
	if a.output == "text" {
		table = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		defer table.Flush()
	}
	for item, err := range items {
		if err != nil {
			return err
		}
		if table == nil {
			if err := enc.Encode(item); err != nil {
				return err
			}
			continue
		}
		if !headed {
			fmt.Fprintln(table, header)
			headed = true
		}
		fmt.Fprintln(table, row(item))
	}
	if table != nil && !headed {
		fmt.Fprintln(table, header)
	}
	return nil
}

// planOrApply is one item of an apply --file: plan with --plan, else
// apply. An error before any plan, or a dry run's stop, ends the item:
// failed prints it (a dry run has already shown what it would send).
// Otherwise show prints the outcome — the plan, what was made, and the
// error of a write that failed after planning — and the item counts as a
// change unless the plan was to do nothing.
func planOrApply[P, T any](a *app, planOnly bool, plan func() (*P, error), apply func() (*P, *T, error),
	failed func(error), show func(*P, *T, string) keyfactor.Action) (bool, error) {
	var p *P
	var made *T
	var err error
	if planOnly {
		p, err = plan()
	} else {
		p, made, err = apply()
	}
	if err != nil && (p == nil || errors.Is(err, keyfactor.ErrDryRun)) {
		if a.dry == nil {
			failed(err)
		}
		return false, err
	}
	msg := ""
	if err != nil {
		msg = oneLine(err.Error())
	}
	return show(p, made, msg) != keyfactor.ActionNone, err
}
