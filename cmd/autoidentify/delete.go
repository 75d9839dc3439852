package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
)

const deleteUsage = `Usage: autoidentify delete [flags] ID...

Deletes each user in Engagespot and, with REDIS_URL, drops them from the
fleet's Store and tells every instance to forget them, so that a deleted
user who comes back is created again on their next request. A user
Engagespot does not know is not an error. Exit status: 0 when every user
was deleted, 1 when one failed, 2 for a bad command line.

Flags:
`

func deleteUsers(ctx context.Context, args []string, env environment, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("delete", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, deleteUsage); fs.PrintDefaults() }
	file := fs.String("file", "", "also delete the identifiers of `FILE`, one a line (- for standard input)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	ids := fs.Args()
	if *file != "" {
		in := stdin
		if *file != "-" {
			f, err := os.Open(*file)
			if err != nil {
				fmt.Fprintf(stderr, "autoidentify delete: %v\n", err)
				return exitUsage
			}
			defer f.Close()
			in = f
		}
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			if id := strings.TrimSpace(sc.Text()); id != "" {
				ids = append(ids, id)
			}
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintf(stderr, "autoidentify delete: %v\n", err)
			return exitUsage
		}
	}
	if len(ids) == 0 {
		fs.Usage()
		return exitUsage
	}
	client, store, closeStore, err := env.connect(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify delete: %v\n", err)
		return exitUsage
	}
	defer closeStore()

	failed := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "autoidentify delete: interrupted")
			return exitInterrupted
		}
		if err := identity.ValidateIdentifier(id, 0); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			failed++
			continue
		}
		err := client.DeleteUser(ctx, id)
		gone := errors.Is(err, engagespot.ErrNotFound)
		if err != nil && !gone {
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			failed++
			continue
		}
		if store != nil {
			if err := store.Forget(ctx, id); err != nil {
				fmt.Fprintf(stderr, "%s: deleted in Engagespot, but not forgotten by the fleet: %v\n", id, err)
				failed++
				continue
			}
		}
		if gone {
			fmt.Fprintf(stdout, "%s: not in Engagespot (nothing to delete)\n", id)
		} else {
			fmt.Fprintf(stdout, "%s: deleted\n", id)
		}
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}
