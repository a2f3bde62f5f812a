package main

import (
	"context"
	"fmt"
	"io"
	"iter"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

func collectionList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "collection", `Keyfactor query over Name, Query and Favorite, e.g. 'Name -startswith "Web"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Collection, error] {
			return c.Collections.List(ctx, keyfactor.ListCollectionsOptions{Query: query, PageSize: pageSize})
		},
		"ID\tNAME\tCERTIFICATES\tCONTENT", func(col keyfactor.Collection) string {
			return fmt.Sprintf("%d\t%s\t%d\t%s", col.ID, col.Name, col.EstimatedCertCount, col.Content)
		})
}

func collectionGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "collection",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.Collection, error) {
			return c.Collections.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.Collection, error) {
			return c.Collections.GetByName(ctx, name)
		},
		func(w io.Writer, col *keyfactor.Collection) {
			fmt.Fprintf(w, "collection %d %q\n  description: %s\n  content: %s\n  certificates: %d\n", col.ID, col.Name,
				col.Description, col.Content, col.EstimatedCertCount)
		})
}

// collectionCommands is the collection commands.
var collectionCommands = []command{
	{name: "collection list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list certificate collections, one JSON line each (a table with --output text)", setup: collectionList, names: listNames, args: noArgs("use --query")},
	{name: "collection get", synopses: []string{"ID", "--name NAME"}, summary: "show a collection, by id or exact name",
		setup: collectionGet, names: idNames, args: idOrName("collection")},
}
