package identity

import (
	"context"
	"fmt"
	"net/http"
)

// Verified is an identity an extractor keeps for a credential it verified
// (jwtverify's verified-token cache), with what a cache of synced users reads
// of it computed once. Every request that brings the credential shares it:
// read it, never change it, nor its Custom attributes.
type Verified struct {
	Identity       Identity
	Fingerprint    uint64 // Identity.Profile.Fingerprint()
	IdentifierHash uint64 // HashIdentifier(Identity.Identifier)
}

// NewVerified returns id as a Verified, with its hashes, and a profile of
// its own (Clone): what id's holder does with id's later is not shared.
func NewVerified(id Identity) *Verified {
	id.Profile = id.Profile.Clone()
	return &Verified{Identity: id, Fingerprint: id.Profile.fingerprint(), IdentifierHash: HashIdentifier(id.Identifier)}
}

// VerifiedExtractor is an Extractor that keeps what it verified
// (jwtverify.Extractor): it hands out the Verified it keeps, which the
// request's context then carries without a copy (NewContextVerified), and
// whose hashes a cache of synced users reads rather than computes.
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
