package main

import (
	"context"
	"fmt"
	"io"
	"iter"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

func containerList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "container", `Keyfactor query over Name, Id and CertStoreType, e.g. 'Name -startswith "IIS"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Container, error] {
			return c.Containers.List(ctx, keyfactor.ListContainersOptions{Query: query, PageSize: pageSize})
		},
		"ID\tNAME\tSTORE TYPE\tSTORES\tSCHEDULE", func(ct keyfactor.Container) string {
			return fmt.Sprintf("%d\t%s\t%d\t%d\t%s", ct.ID, ct.Name, ct.CertStoreType, ct.StoreCount, ct.Schedule)
		})
}

func containerGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "container",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.Container, error) {
			return c.Containers.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.Container, error) {
			return c.Containers.GetByName(ctx, name)
		},
		func(w io.Writer, ct *keyfactor.Container) {
			fmt.Fprintf(w, "container %d %q\n  store type: %d\n  stores: %d\n  schedule: %s\n", ct.ID, ct.Name, ct.CertStoreType,
				ct.StoreCount, orNone(ct.Schedule))
		})
}

// containerCommands is the container commands.
var containerCommands = []command{
	{name: "container list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list certificate store containers, one JSON line each (a table with --output text)", setup: containerList, names: listNames, args: noArgs("use --query")},
	{name: "container get", synopses: []string{"ID", "--name NAME"}, summary: "show a container, by id or exact name",
		setup: containerGet, names: idNames, args: idOrName("container")},
}
