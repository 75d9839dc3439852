package middleware

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// A ProfileLoader returns the profile the app keeps for a user, in its own
// database: for tokens that carry an identifier and little else (most
// access tokens carry sub and no email). id is the user as the request's
// credential gave them. A user the app does not know answers an empty
// Profile and nil: they are synced with what the credential carried.
//
// It runs in the background job, never on a request's path, once per sync:
// a user's many requests share one load, and hits load nothing. It must
// honour ctx, which WithAttemptTimeout bounds, and be safe for concurrent
// use. Its errors are retried within the job's attempts (see
// ErrProfileLoader), unless they have a Retryable method that says no.
type ProfileLoader func(ctx context.Context, id identity.Identity) (identity.Profile, error)

// WithProfileLoader makes every sync call load and send its answer merged
// over what the credential carried: the loader's non-empty fields, and each
// of its custom attributes, win, since the app's database is the source of
// truth. The fleet's Store records what was sent, loaded part included.
// Reload syncs a user whose profile changed in the database. Default: none.
func WithProfileLoader(load ProfileLoader) Option {
	return global("ProfileLoader", func(c *config) error {
		if load == nil {
			return options.Error("ProfileLoader", "nil")
		}
		c.loader = load
		return nil
	})
}

// load returns the profile j's sync sends: the credential's, with the
// loader's over it. The loader's answer is kept for the job's version, so
// that polls for a busy user and retries of the API call do not load again.
func (e *engine) load(j *job, id identity.Identity, version uint64) (identity.Profile, error) {
	if e.loader == nil {
		return id.Profile, nil
	}
	if !j.loaded || j.loadedVersion != version {
		ctx, cancel := context.WithTimeout(j.ctx, e.attemptTimeout)
		start := time.Now()
		p, err := e.loader(ctx, id)
		cancel()
		if err != nil {
			e.log.Debug("middleware: the profile loader failed", "user", id.Identifier, "took", time.Since(start), "err", err)
			return identity.Profile{}, fmt.Errorf("%w: %w", ErrProfileLoader, err)
		}
		j.loadedProfile, j.loaded, j.loadedVersion = p.Clone(), true, version
	}
	return merge(id.Profile, j.loadedProfile), nil
}

// merge returns base with over's non-empty fields and custom attributes
// over it. It shares nothing with over's custom map.
func merge(base, over identity.Profile) identity.Profile {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&base.Email, over.Email)
	set(&base.PhoneNumber, over.PhoneNumber)
	set(&base.FirstName, over.FirstName)
	set(&base.LastName, over.LastName)
	set(&base.Name, over.Name)
	set(&base.Avatar, over.Avatar)
	if len(over.Custom) > 0 {
		custom := make(map[string]any, len(base.Custom)+len(over.Custom))
		maps.Copy(custom, base.Custom)
		maps.Copy(custom, over.Custom)
		base.Custom = custom
	}
	return base
}

// loaderFailed reports an error of the ProfileLoader: retried within the
// job's attempts unless it says it is not worth it, and never a verdict on
// the profile (the API did not see it), nor on the API.
func loaderFailed(err error) bool { return errors.Is(err, ErrProfileLoader) }

// loaderRetryable reports whether a loader error may pass on another try:
// yes, unless it has a Retryable method that says no.
func loaderRetryable(err error) bool {
	retry, said := ownVerdict(err)
	return retry || !said
}

// reload syncs identifier's user again now, loading their profile: see
// Middleware.Reload.
func (e *engine) reload(ctx context.Context, identifier string) error {
	if e.loader == nil {
		return fmt.Errorf("middleware: reload: %w", options.Error("ProfileLoader", "Reload needs WithProfileLoader"))
	}
	if err := identity.ValidateIdentifier(identifier); err != nil {
		return fmt.Errorf("middleware: reload: %w", err)
	}
	id := identity.Identity{Identifier: identifier}
	fp := id.Profile.Fingerprint()
	e.misses.Add(1)
	j, err := e.submit(ctx, id, fp, e.cache.key(identifier, fp), time.Now(), reloaded)
	if err != nil || j == nil {
		return err
	}
	return e.wait(ctx, j)
}
