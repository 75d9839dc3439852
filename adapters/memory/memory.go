package memory

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Directory holds users in memory. It is safe for concurrent use.
type Directory struct {
	logger *slog.Logger

	mu    sync.RWMutex
	users map[string]identity.Profile
}

// Option configures New.
type Option func(*config) error

type config struct {
	logger *slog.Logger
}

// WithLogger logs one line per create or update: the identifier and whether
// the user was created or updated, never the profile. WithLogger(nil) is
// silent. Default: silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// New returns an empty Directory. A nil option fails with an
// *identity.ConfigError.
func New(opts ...Option) (*Directory, error) {
	var cfg config
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	return &Directory{logger: cfg.logger, users: make(map[string]identity.Profile)}, nil
}

// Upsert creates or updates a user, refusing what Engagespot would refuse:
// an invalid identifier or a reserved custom attribute name.
func (d *Directory) Upsert(ctx context.Context, id identity.Identity) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: upsert: %w", err)
	}
	if err := identity.ValidateIdentifier(id.Identifier); err != nil {
		return fmt.Errorf("memory: upsert: %w", err)
	}
	for k := range id.Profile.Custom {
		if identity.IsReservedKey(k) {
			return fmt.Errorf("memory: upsert: custom attribute %q is reserved", k)
		}
	}
	profile := id.Profile
	profile.Custom = maps.Clone(profile.Custom) // the caller may reuse its map

	d.mu.Lock()
	_, existed := d.users[id.Identifier]
	d.users[id.Identifier] = profile
	d.mu.Unlock()

	if d.logger != nil {
		action := "created"
		if existed {
			action = "updated"
		}
		d.logger.LogAttrs(ctx, slog.LevelInfo, "memory directory: user "+action,
			slog.String("identifier", id.Identifier))
	}
	return nil
}

// User returns the profile stored for identifier.
func (d *Directory) User(identifier string) (identity.Profile, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, ok := d.users[identifier]
	return p, ok
}

// Identifiers returns the identifiers of all users held, sorted.
func (d *Directory) Identifiers() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Sorted(maps.Keys(d.users))
}

// Len returns how many users are held.
func (d *Directory) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.users)
}
