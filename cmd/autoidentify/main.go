// Command autoidentify brings the users an app already has into Engagespot,
// and removes users, with the library the middleware stands on.
//
//	go install github.com/autoidentify/autoidentify/cmd/autoidentify@latest
//	psql -c "\copy (select id as identifier, email from users order by id) to stdout csv header" | autoidentify backfill -
//	autoidentify delete user-42
//	autoidentify status user-42
//
// It reads the examples' environment: ENGAGESPOT_API_KEY,
// ENGAGESPOT_API_SECRET, ENGAGESPOT_BASE_URL and REDIS_URL. With
// REDIS_URL, what it does is recorded in the fleet's Store as the
// middleware does it. Secrets are never printed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

const usage = `autoidentify: bring existing users into Engagespot, and remove users.

Usage:
  autoidentify backfill [flags] [FILE|-]   create or update every user of a JSON Lines or CSV file
  autoidentify delete [flags] ID...        delete users in Engagespot and in the fleet's Store
  autoidentify status [flags] [ID...]      what the fleet's Store knows (needs REDIS_URL)

Environment:
  ENGAGESPOT_API_KEY, ENGAGESPOT_API_SECRET   the workspace's credentials
  ENGAGESPOT_BASE_URL                         default https://api.engagespot.co/v3
  REDIS_URL                                   the fleet's Store (redis://[:password@]host:port/db)

Run 'autoidentify help COMMAND' (or COMMAND --help) for a command's flags,
'autoidentify --version' for the version. Flags may come before or after
the other arguments.
`

// Exit codes: 0 all done, 1 something failed (the summary says what), 2 a
// bad command line or environment, 130 interrupted.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is the command with its world passed in, for tests. ctx ends on
// SIGINT or SIGTERM: a command then stops starting work, drains what is
// under way, and says where it stopped.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmds := map[string]func(context.Context, []string, environment, io.Reader, io.Writer, io.Writer) int{
		"backfill": backfill,
		"delete":   deleteUsers,
		"status":   status,
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "help": // help COMMAND is COMMAND --help
		if len(args) > 1 {
			if _, ok := cmds[args[1]]; ok {
				return run(ctx, []string{args[1], "--help"}, getenv, stdin, stdout, stderr)
			}
			fmt.Fprintf(stderr, "autoidentify: unknown command %q\n\n%s", args[1], usage)
			return exitUsage
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, version())
		return exitOK
	default:
		cmd, ok := cmds[name]
		if !ok {
			fmt.Fprintf(stderr, "autoidentify: unknown command %q\n\n%s", name, usage)
			return exitUsage
		}
		env, err := readEnvironment(getenv)
		if err != nil && !slices.ContainsFunc(args[1:], func(a string) bool { return a == "-h" || a == "-help" || a == "--help" }) {
			fmt.Fprintf(stderr, "autoidentify: %v\n", err)
			return exitUsage
		}
		return cmd(ctx, args[1:], env, stdin, stdout, stderr)
	}
}

// interrupted reports whether err is the end of run's ctx.
func interrupted(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled))
}
