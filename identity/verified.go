package identity

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
)

// Verified is an identity an extractor keeps for a credential it verified
// (jwtverify's verified-token cache), with what a cache of synced users reads
// of it computed once, and room for that cache's note (see SetNote). Every
// request that brings the credential shares it: read it, never change it,
// nor its Custom attributes.
type Verified struct {
	Identity       Identity
	Fingerprint    uint64 // Identity.Profile.Fingerprint()
	IdentifierHash uint64 // HashIdentifier(Identity.Identifier)

	// The note: a and b, written while seq is odd (see SetNote).
	seq, a, b atomic.Uint64
}

// NewVerified returns id as a Verified, with its hashes, and a profile of
// its own (Clone): what id's holder does with id's later is not shared.
func NewVerified(id Identity) *Verified {
	id = id.Clone()
	return &Verified{Identity: id, Fingerprint: id.Profile.fingerprint(), IdentifierHash: HashIdentifier(id.Identifier)}
}

// SetNote leaves two words on v for a cache of synced users (the
// middleware's), so that the next request bringing v finds its user there
// rather than looking them up: their meaning is that cache's, which must
// tell its notes from another's. It takes no lock and never waits: a
// SetNote that meets another is dropped. Two caches noting on the same
// Verified (two Middlewares sharing one extractor) overwrite each other's
// notes: each then looks every time, as if there were none.
func (v *Verified) SetNote(a, b uint64) {
	seq := v.seq.Load()
	if seq&1 != 0 || !v.seq.CompareAndSwap(seq, seq+1) {
		return // another is writing: a note is a shortcut, not owed
	}
	v.a.Store(a)
	v.b.Store(b)
	v.seq.Store(seq + 2)
}

// Note returns the two words SetNote last left on v, read together; zeros
// if none, or if a SetNote is writing them.
func (v *Verified) Note() (a, b uint64) {
	seq := v.seq.Load()
	if seq&1 != 0 {
		return 0, 0
	}
	a, b = v.a.Load(), v.b.Load()
	if v.seq.Load() != seq {
		return 0, 0
	}
	return a, b
}

// VerifiedExtractor is an Extractor that keeps what it verified
// (jwtverify.Extractor): it hands out the Verified it keeps, which the
// request's context then carries without a copy (NewContextVerified), and
// whose hashes a cache of synced users reads rather than computes.
// ExtractVerified answers as Extract does, v being set when ok is true.
type VerifiedExtractor interface {
	Extractor
	ExtractVerified(r *http.Request) (v *Verified, ok bool, err error)
}

// NewContextVerified returns a copy of ctx that carries v's identity, as
// NewContext does, but without copying it: v is shared, so FromContext
// hands out a copy of its custom attributes, never v's own.
func NewContextVerified(ctx context.Context, v *Verified) context.Context {
	return &verifiedContext{Context: ctx, v: v}
}

// verifiedContext is identityContext for a shared Verified: a pointer, where
// identityContext holds a copy.
type verifiedContext struct {
	context.Context
	v *Verified
}

func (c *verifiedContext) Value(key any) any {
	if key == (contextKey{}) {
		return c.v
	}
	return c.Context.Value(key)
}

// String names the context as WithValue's does, without the identity.
func (c *verifiedContext) String() string {
	return fmt.Sprintf("%v.WithValue(identity.contextKey, *identity.Verified)", c.Context)
}
