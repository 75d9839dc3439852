// Package options applies functional options the one way every package of
// autoidentify does, so that a reader who learned one constructor has
// learned them all: each package declares
//
//	type Option func(*config) error
//
// and its constructor calls Apply, which runs the options in order and
// refuses a nil one. An option refuses a bad value with a
// *identity.ConfigError naming its field; the constructor wraps what Apply
// returns with the package's name.
package options

import (
	"fmt"

	"github.com/autoidentify/autoidentify/identity"
)

// Apply runs opts on c in order and stops at the first error. A nil option
// is an error, never skipped: it is a bug in the caller (an option built
// from an unset variable), and skipping it would run with a default the
// caller did not ask for.
func Apply[C any, O ~func(*C) error](c *C, opts []O) error {
	for i, opt := range opts {
		if opt == nil {
			return Error("options", "option %d is nil", i)
		}
		if err := opt(c); err != nil {
			return err
		}
	}
	return nil
}

// Error returns a *identity.ConfigError for field, its reason formatted as
// by fmt.Errorf.
func Error(field, format string, args ...any) error {
	return &identity.ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
}
