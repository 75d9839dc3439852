package grpcidentify

import (
	"context"
	"net/http"

	"google.golang.org/grpc/metadata"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/authheader"
)

// Extractor is an extractor that reads the user of a gRPC call from its
// context: its incoming metadata, or what an earlier interceptor put there.
// Its results mean what identity.Extractor's do.
type Extractor interface {
	identity.Extractor
	ExtractGRPC(ctx context.Context) (id identity.Identity, ok bool, err error)
}

// A Verifier verifies a token and returns its user, with an error for a
// token it rejects: *jwtverify.Extractor is one.
type Verifier interface {
	Verify(token string) (identity.Identity, error)
}

// Bearer returns an Extractor of the bearer token of a call's
// "authorization" metadata, or of an HTTP request's Authorization header
// (for Connect, or a gateway), verified by v. No token is no user; a token
// v rejects is its error.
func Bearer(v Verifier) Extractor { return bearer{v} }

type bearer struct{ v Verifier }

func (b bearer) ExtractGRPC(ctx context.Context) (identity.Identity, bool, error) {
	// One copy of the values (FromIncomingContext would copy every entry).
	for _, v := range metadata.ValueFromIncomingContext(ctx, "authorization") {
		if token, ok := authheader.Bearer(v); ok {
			return b.verify(token)
		}
	}
	return identity.Identity{}, false, nil
}

func (b bearer) Extract(r *http.Request) (identity.Identity, bool, error) {
	for _, v := range r.Header["Authorization"] {
		if token, ok := authheader.Bearer(v); ok {
			return b.verify(token)
		}
	}
	return identity.Identity{}, false, nil
}

func (b bearer) verify(token string) (identity.Identity, bool, error) {
	id, err := b.v.Verify(token)
	if err != nil {
		return identity.Identity{}, false, err
	}
	return id, true, nil
}
