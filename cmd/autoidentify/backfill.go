package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
)

const backfillUsage = `Usage: autoidentify backfill [flags] [FILE|-]

Creates or updates, in Engagespot, every user of FILE (or of standard input,
"-" or no FILE): JSON Lines, or CSV with a header. Keys and columns are
read by Engagespot's attribute names (identifier, email, phoneNumber,
firstName, lastName, name, avatar) or a token's claims' (sub, email,
phone_number, given_name, family_name, name, picture); --map names others.
Every line is sent as written, or reported with its number and reason: an
invalid attribute makes its line invalid, and an identifier seen on an
earlier line is reported and sent once, as that line has it. Invalid lines
never stop the run. With
REDIS_URL, each user synced is recorded in the fleet's Store, so that their
first request through the middleware makes no API call.

Exit status: 0 when every line was a user and every user was synced; 1
otherwise (the summary and the report say which); 2 for a bad command line;
130 when interrupted (what was under way was finished first, and --resume
goes on from there).

Flags:
`

// mapping is --map: attribute=claim, repeatable.
type mapping []string

func (m *mapping) String() string { return strings.Join(*m, ",") }

func (m *mapping) Set(v string) error {
	attr, claim, ok := strings.Cut(v, "=")
	if !ok || attr == "" || claim == "" {
		return fmt.Errorf("%q: want ATTRIBUTE=COLUMN, e.g. identifier=user_id or email=mail", v)
	}
	*m = append(*m, v)
	return nil
}

// mapsIdentifier reports whether --map names the identifier's column.
func (m mapping) mapsIdentifier() bool {
	return slices.ContainsFunc(m, func(v string) bool { return strings.HasPrefix(v, "identifier=") })
}

// claimsOptions turns --map into the ClaimsMapper's options.
func (m mapping) claimsOptions() []identity.ClaimsOption {
	opts := []identity.ClaimsOption{identity.WithNumericIdentifiers()} // database ids are often numbers
	for _, v := range m {
		attr, claim, _ := strings.Cut(v, "=")
		if attr == "identifier" {
			opts = append(opts, identity.WithIdentifierClaim(claim))
		} else {
			opts = append(opts, identity.WithAttributeClaim(attr, claim))
		}
	}
	return opts
}

func backfill(ctx context.Context, args []string, env environment, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("backfill", backfillUsage, stderr)
	var maps mapping
	fs.Var(&maps, "map", "map an attribute from a column or key: `ATTRIBUTE=COLUMN` (identifier=user_id, email=mail, plan=plan_name); repeatable")
	format := fs.String("format", "auto", "input `format`: jsonl, csv, or auto (an object first: jsonl)")
	concurrency := fs.Int("concurrency", engagespot.DefaultBatchConcurrency, "API calls at once at most")
	reportPath := fs.String("report", "", "write invalid and failed lines to `FILE` instead of standard error")
	statePath := fs.String("state", "", "where the run records which lines were synced, for --resume (`FILE`; default FILE.autoidentify-state; needed for standard input)")
	resume := fs.Bool("resume", false, "skip the lines an earlier run synced (see --state)")
	dryRun := fs.Bool("dry-run", false, "validate every line and print, as JSON Lines, what would be sent; call nothing")
	interval := fs.Duration("progress-interval", 5*time.Second, "how often progress is printed when standard error is not a terminal (0: never)")
	inputs, code, ok := parseArgs(fs, args, stdout)
	if !ok {
		return code
	}
	if len(inputs) > 1 {
		fmt.Fprintf(stderr, "autoidentify backfill: one input at most, got %d: %q\n", len(inputs), inputs)
		return exitUsage
	}
	if *concurrency <= 0 {
		fmt.Fprintln(stderr, "autoidentify backfill: --concurrency must be positive")
		return exitUsage
	}
	// An attribute the mapper would drop (an email that is no email) makes
	// its line invalid: a user is sent as written, or reported.
	var dropped error
	mapper, err := identity.NewClaimsMapper(append(maps.claimsOptions(), identity.WithOnDropped(func(err error) { dropped = err }))...)
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify backfill: --map: %v\n", err)
		return exitUsage
	}

	name := ""
	if len(inputs) == 1 {
		name = inputs[0]
	}
	in, total := stdin, -1
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "autoidentify backfill: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in = f
		total = countLines(name, func(n string) (io.ReadCloser, error) { return os.Open(n) })
		if *statePath == "" {
			*statePath = name + ".autoidentify-state"
		}
	}
	sent, before := newSentSet(), (*state)(nil)
	if *resume {
		if *statePath == "" {
			fmt.Fprintln(stderr, "autoidentify backfill: --resume of standard input needs --state")
			return exitUsage
		}
		if before, sent, err = loadState(*statePath); err != nil {
			fmt.Fprintf(stderr, "autoidentify backfill: --resume: %v\n", err)
			return exitUsage
		}
	}

	report := stderr
	if *reportPath != "" {
		f, err := createPrivate(*reportPath) // it holds emails and phone numbers
		if err != nil {
			fmt.Fprintf(stderr, "autoidentify backfill: --report: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		report = f
	}
	var prog *progress // set below, before any line is read
	var reportMu sync.Mutex
	reportLine := func(line int, format string, args ...any) {
		msg := fmt.Sprintf("line %d: %s", line, fmt.Sprintf(format, args...))
		if report == stderr {
			prog.println(msg) // above the progress bar, if there is one
			return
		}
		reportMu.Lock()
		defer reportMu.Unlock()
		fmt.Fprintln(report, msg)
	}

	br := bufio.NewReader(in)
	if *format == "auto" {
		if *format, err = detectFormat(br); err != nil {
			fmt.Fprintf(stderr, "autoidentify backfill: %v\n", err)
			return exitUsage
		}
	}
	if *format != "jsonl" && *format != "csv" {
		fmt.Fprintf(stderr, "autoidentify backfill: --format %q: want jsonl, csv or auto\n", *format)
		return exitUsage
	}
	run := state{Input: name, Format: *format, Map: slices.Clone(maps)}
	if run.Map == nil {
		run.Map = []string{}
	}
	refused := false // a resume over input read another way: nobody is sent
	checkResume := func() bool {
		if before == nil {
			return true
		}
		if why := before.differs(&run); why != "" {
			fmt.Fprintf(stderr, "autoidentify backfill: --resume refused: %s; resuming would skip users by what another mapping read (run without --resume to send everyone)\n", why)
			refused = true
		}
		return !refused
	}
	if *format == "jsonl" && !checkResume() {
		return exitUsage
	}

	prog = newProgress(stderr, total, *interval)
	var inputErr error            // the input failed: the run stops, and says so
	firstLine := map[string]int{} // identifier -> the line that sends it: a duplicate is reported, not sent
	users := func(yield func(identity.Identity, int) bool) bool {
		for r := range rows(br, *format, func(columns []string) bool {
			run.Columns = slices.Clone(columns)
			return checkResume()
		}) {
			if ctx.Err() != nil {
				return false // interrupted: start nobody else
			}
			switch {
			case r.err != nil && r.line == 0: // the input failed
				inputErr = r.err
				prog.println("autoidentify backfill: " + r.err.Error())
				return false
			case r.err != nil:
				reportLine(r.line, "%v", r.err)
				prog.update(func(c *counts) { c.invalid++ })
				continue
			}
			dropped = nil
			err := normalizeNames(r.claims)
			var id identity.Identity
			if err == nil {
				id, err = mapper.Map(r.claims)
			}
			switch {
			case err == nil && dropped != nil:
				err = fmt.Errorf("not sent: %w", dropped)
			case err == nil && sent.has(id):
				firstLine[id.Identifier] = r.line
				prog.update(func(c *counts) { c.skipped++ })
				continue
			case err == nil:
				if first, dup := firstLine[id.Identifier]; dup {
					err = fmt.Errorf("identifier also on line %d: sent once, as line %d has it", first, first)
				} else {
					firstLine[id.Identifier] = r.line
				}
			}
			if err != nil {
				reportLine(r.line, "%v", lineError(err, maps.mapsIdentifier()))
				prog.update(func(c *counts) { c.invalid++ })
				continue
			}
			if !yield(id, r.line) {
				return false
			}
		}
		return true
	}

	if *dryRun {
		prog.verb = "valid (not sent)"
		enc := json.NewEncoder(stdout)
		users(func(id identity.Identity, line int) bool {
			_ = enc.Encode(struct {
				Line       int              `json:"line"`
				Identifier string           `json:"identifier"`
				Profile    identity.Profile `json:"profile"`
			}{line, id.Identifier, id.Profile})
			prog.update(func(c *counts) { c.synced++ })
			return true
		})
		prog.end("dry run")
		if refused {
			return exitUsage
		}
		return exitStatus(prog.counts(), inputErr != nil)
	}

	client, store, closeStore, err := env.connect(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify backfill: %v\n", err)
		return exitUsage
	}
	defer closeStore()

	// The calls get a context Ctrl-C does not end: what was started is
	// finished, so that none was sent without being recorded.
	calls := context.WithoutCancel(ctx)
	var lineOf []int // by the batch's index; report runs one call at a time
	var linesMu sync.Mutex
	seq := func(yield func(identity.Identity) bool) {
		users(func(id identity.Identity, line int) bool {
			linesMu.Lock()
			lineOf = append(lineOf, line)
			linesMu.Unlock()
			return yield(id)
		})
	}
	stopErr := client.UpsertEach(calls, seq, *concurrency, func(r engagespot.Result) {
		linesMu.Lock()
		line := lineOf[r.Index]
		linesMu.Unlock()
		if r.Err != nil {
			reportLine(line, "%s: %v", r.Identity.Identifier, r.Err)
			prog.update(func(c *counts) { c.failed++ })
			return
		}
		if store != nil {
			// As the middleware records a sync: its next Lease answers synced.
			// Stamped now, as the call just landed: the record says what
			// Engagespot holds, and a request that observes a profile later
			// syncs it as the newer one.
			if err := store.Done(calls, r.Identity.Identifier, r.Identity.Profile.Fingerprint(), time.Now()); err != nil {
				reportLine(line, "%s: synced, but not recorded in the Store: %v", r.Identity.Identifier, err)
			}
		}
		sent.add(r.Identity)
		prog.update(func(c *counts) { c.synced++ })
	})
	if refused {
		return exitUsage // the state stays as it was
	}
	how := "done"
	stoppedByCtx := interrupted(ctx, nil)
	switch {
	case stoppedByCtx:
		how = "interrupted"
	case inputErr != nil:
		how = "stopped"
	case stopErr != nil:
		how = "stopped"
		fmt.Fprintf(stderr, "autoidentify backfill: %v\n", stopErr)
		if errors.Is(stopErr, engagespot.ErrUnauthorized) {
			fmt.Fprintln(stderr, "autoidentify backfill: the API refused the credentials: check ENGAGESPOT_API_KEY and ENGAGESPOT_API_SECRET")
		}
	}
	prog.end(how)
	c := prog.counts()
	complete := how == "done" && c.failed+c.invalid == 0
	switch {
	case *statePath == "":
	case complete:
		_ = os.Remove(*statePath) // nothing left to resume
	default:
		if err := saveState(*statePath, run, sent); err != nil {
			fmt.Fprintf(stderr, "autoidentify backfill: saving the state: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "to go on without sending anyone twice: %s\n", resumeCommand(args, *statePath, name))
		}
	}
	if stoppedByCtx {
		return exitInterrupted
	}
	return exitStatus(c, stopErr != nil || inputErr != nil)
}

// resumeCommand is the command that resumes this run: its own arguments
// (flags, mapping, report, input: nothing secret, which is in the
// environment) with --resume, and --state where it is not the default.
func resumeCommand(args []string, statePath, name string) string {
	words := []string{"autoidentify", "backfill"}
	hasState := false
	for _, a := range args {
		switch {
		case a == "--resume" || a == "-resume" || a == "--resume=true" || a == "-resume=true":
			continue
		case a == "--state" || a == "-state" || strings.HasPrefix(a, "--state=") || strings.HasPrefix(a, "-state="):
			hasState = true
		}
		words = append(words, shellQuote(a))
	}
	words = append(words, "--resume")
	if !hasState && (name == "" || name == "-" || statePath != name+".autoidentify-state") {
		words = append(words, "--state", shellQuote(statePath))
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell, if it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func exitStatus(c counts, stopped bool) int {
	if stopped || c.failed > 0 || c.invalid > 0 {
		return exitFailed
	}
	return exitOK
}
