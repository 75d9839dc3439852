package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/autoidentify/autoidentify/adapters/redisstore"
)

const statusUsage = `Usage: autoidentify status [flags] [ID...]

Says what the fleet's Store (REDIS_URL) knows: how many users it has a
record of and, for each ID, when it was synced and whether an instance is
syncing it now. Engagespot has no API to read a user, so without REDIS_URL
there is nothing to ask.

Flags:
`

func status(ctx context.Context, args []string, env environment, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("status", statusUsage, stderr)
	prefix := fs.String("prefix", redisstore.DefaultPrefix, "the Store's key prefix (redisstore.WithPrefix)")
	ttl := fs.Duration("ttl", redisstore.DefaultTTL, "the Store's TTL (redisstore.WithTTL), to tell when a user was synced")
	ids, code, ok := parseArgs(fs, args, stdout)
	if !ok {
		return code
	}
	if env.redisURL == "" {
		fmt.Fprintln(stderr, "autoidentify status: REDIS_URL is unset: who is synced is known to the fleet's Store alone (Engagespot has no API to read a user), so there is nothing to ask")
		return exitUsage
	}
	store, closeStore, err := env.store(ctx, redisstore.WithPrefix(*prefix), redisstore.WithTTL(*ttl))
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify status: %v\n", err)
		return exitUsage
	}
	defer closeStore()
	n, err := store.Count(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "autoidentify status: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "the fleet has a record of %d users (synced within the TTL, %s)\n", n, store.TTL())
	for _, id := range ids {
		r, err := store.Lookup(ctx, id)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			return exitFailed
		}
		line := "not synced within the TTL"
		switch {
		case r.Deleted && r.Observed.After(time.Now()):
			line = fmt.Sprintf("erased: not created again before %s", r.Observed.UTC().Format(time.RFC3339))
		case r.Deleted:
			line = "deleted: created again on their next request"
		case r.Synced:
			ago := time.Since(r.Observed).Round(time.Second)
			line = fmt.Sprintf("synced about %s ago (profile fingerprint %016x), synced again after %s", ago, r.Fingerprint, r.Remaining.Round(time.Second))
		}
		lease := "no sync under way"
		if r.Leased {
			lease = "an instance holds the lease: a sync is under way"
		}
		fmt.Fprintf(stdout, "%s: %s; %s\n", id, line, lease)
	}
	return exitOK
}
