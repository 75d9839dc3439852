package grpcidentify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/autoidentify/autoidentify/adapters/grpcidentify"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// A unary call's path through an interceptor, without the network: what
// the interceptor adds is measured beside its floor.
type unaryPath struct {
	ctx         context.Context
	interceptor grpc.UnaryServerInterceptor
}

var info = &grpc.UnaryServerInfo{FullMethod: "/test.Who/Me"}

func handler(ctx context.Context, _ any) (any, error) {
	if _, _, ok := identity.FingerprintFromContext(ctx); !ok {
		panic("no user")
	}
	return nil, nil
}

func (p unaryPath) call() {
	if _, err := p.interceptor(p.ctx, nil, info, handler); err != nil {
		panic(err)
	}
}

// paths returns, for a user synced already: the floor and the hit of a
// user an upstream interceptor put in the context, and of a bearer token.
// The bearer's floor is the app's own auth interceptor: read the token,
// verify it, put the user in the context.
func paths(tb testing.TB) (ctxFloor, ctxHit, bearerFloor, bearerHit unaryPath) {
	tb.Helper()
	v, err := jwtverify.New(jwtverify.HMACKey(signKey))
	require.NoError(tb, err)
	m, api := setup(tb, middleware.WithExtractor(grpcidentify.Bearer(v)))
	ann := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com"}}
	api.AddUser("ann", ann.Profile)
	require.NoError(tb, m.Ensure(context.Background(), ann))

	inContext := identity.NewContext(context.Background(), ann)
	passOn := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(ctx, req)
	}
	fromCtx, err := grpcidentify.UnaryServerInterceptor(m, middleware.WithExtractor(identity.InContext))
	require.NoError(tb, err)

	token := sign(tb, jwt.MapClaims{"sub": "ann", "email": "ann@example.com"})
	withToken := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
	auth := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		values := metadata.ValueFromIncomingContext(ctx, "authorization")
		if len(values) == 0 {
			return nil, nil
		}
		id, err := v.Verify(strings.TrimPrefix(values[0], "Bearer "))
		if err != nil {
			return nil, err
		}
		return h(identity.NewContext(ctx, id), req)
	}
	fromToken, err := grpcidentify.UnaryServerInterceptor(m)
	require.NoError(tb, err)
	before := m.Stats().Hits
	unaryPath{withToken, fromToken}.call()
	require.Equal(tb, before+1, m.Stats().Hits, "the user is synced: a hit")
	return unaryPath{inContext, passOn}, unaryPath{inContext, fromCtx}, unaryPath{withToken, auth}, unaryPath{withToken, fromToken}
}

func BenchmarkUnary(b *testing.B) {
	ctxFloor, ctxHit, bearerFloor, bearerHit := paths(b)
	for _, p := range []struct {
		name string
		path unaryPath
	}{{"context/floor", ctxFloor}, {"context/hit", ctxHit}, {"bearer/floor", bearerFloor}, {"bearer/hit", bearerHit}} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.path.call()
			}
		})
	}
}
