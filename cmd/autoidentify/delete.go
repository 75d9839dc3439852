package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

const deleteUsage = `Usage: autoidentify delete [flags] ID...

Deletes each user in Engagespot as the middleware's Delete does and, with
REDIS_URL, for the whole fleet: a sync under way on any instance is
waited for or stopped, so none brings the user back, and every instance
forgets them. A deleted user who comes back is created again on their next
request, unless --erase keeps them deleted for a while. A user Engagespot
does not know is not an error. Exit status: 0 when every user was deleted,
1 when one failed, 2 for a bad command line.

Flags:
`

func deleteUsers(ctx context.Context, args []string, env environment, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("delete", deleteUsage, stderr)
	file := fs.String("file", "", "also delete the identifiers of `FILE`, one a line (- for standard input)")
	erase := fs.Duration("erase", 0, "keep each user deleted for `DURATION` (e.g. 720h), whatever their tokens or sessions say")
	ids, code, ok := parseArgs(fs, args, stdout)
	if !ok {
		return code
	}
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
	if *erase < 0 {
		fmt.Fprintf(stderr, "autoidentify delete: --erase %s: must not be negative\n", *erase)
		return exitUsage
	}
	client, store, closeStore, err := env.connect(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify delete: %v\n", err)
		return exitUsage
	}
	defer closeStore()
	opts := []middleware.Option{middleware.WithLogger(nil)}
	if store != nil {
		opts = append(opts, middleware.WithStore(store))
	}
	m, err := middleware.New(client, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify delete: %v\n", err)
		return exitUsage
	}
	defer func() { _ = m.Close(context.WithoutCancel(ctx)) }()

	failed := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "autoidentify delete: interrupted")
			return exitInterrupted
		}
		if err := identity.ValidateIdentifier(id); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			failed++
			continue
		}
		if *erase > 0 {
			err = m.Erase(ctx, id, *erase)
		} else {
			err = m.Delete(ctx, id)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			failed++
			continue
		}
		if *erase > 0 {
			fmt.Fprintf(stdout, "%s: deleted, and kept deleted for %s\n", id, *erase)
		} else {
			fmt.Fprintf(stdout, "%s: deleted\n", id)
		}
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}
