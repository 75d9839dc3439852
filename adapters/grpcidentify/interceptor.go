package grpcidentify

import (
	"context"
	"fmt"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
	"github.com/autoidentify/autoidentify/middleware"
)

// UnaryServerInterceptor returns an interceptor doing m's work for unary
// calls, with opts for the calls it sees (none: m's default route). An
// option middleware.With refuses, or an extractor that reads HTTP requests
// only, fails here with an *identity.ConfigError.
func UnaryServerInterceptor(m *middleware.Middleware, opts ...middleware.Option) (grpc.UnaryServerInterceptor, error) {
	identify, err := newIdentify(m, opts)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := identify(ctx)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}, nil
}

// StreamServerInterceptor returns an interceptor doing m's work for
// streams, as UnaryServerInterceptor does for unary calls. The user is
// identified once, when the stream opens.
func StreamServerInterceptor(m *middleware.Middleware, opts ...middleware.Option) (grpc.StreamServerInterceptor, error) {
	identify, err := newIdentify(m, opts)
	if err != nil {
		return nil, err
	}
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := identify(ss.Context())
		if err != nil {
			return err
		}
		if ctx != ss.Context() {
			ss = &serverStream{ServerStream: ss, ctx: ctx}
		}
		return handler(srv, ss)
	}, nil
}

// serverStream is a stream whose context carries its user.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

// Why a call without a user is refused, in the status's message: the
// rejected credential's error stays on the server (at Debug, in the
// middleware's log), since it may say what a forger wants to learn.
var (
	errNoUser       = status.Error(codes.Unauthenticated, "unauthenticated")
	errInvalidToken = status.Error(codes.Unauthenticated, "unauthenticated: invalid credentials")
)

// newIdentify returns what both interceptors do to a call's context: find
// the user, admit or refuse the call, and return the context the handler
// gets, with the user in it.
func newIdentify(m *middleware.Middleware, opts []middleware.Option) (func(context.Context) (context.Context, error), error) {
	route, err := m.With(opts...)
	if err != nil {
		return nil, fmt.Errorf("grpcidentify: %w", err)
	}
	admit := func(ctx context.Context, id identity.Identity, ok bool, err error) error {
		if route.Admit(ctx, id, ok, err) {
			return nil
		}
		if err != nil {
			return errInvalidToken
		}
		return errNoUser
	}
	if ext, ok := route.Extractor().(Extractor); ok {
		return func(ctx context.Context) (context.Context, error) {
			id, found, err := ext.ExtractGRPC(ctx)
			if err := admit(ctx, id, found, err); err != nil {
				return ctx, err
			}
			if found {
				ctx = identity.NewContext(ctx, id)
			}
			return ctx, nil
		}, nil
	}
	if !readsContext(route.Extractor()) {
		return nil, fmt.Errorf("grpcidentify: %w", options.Error("Extractor",
			"%T reads HTTP requests: use grpcidentify.Bearer, or identity.InContext with an upstream interceptor that calls identity.NewContext", route.Extractor()))
	}
	return func(ctx context.Context) (context.Context, error) {
		id, found := identity.FromContext(ctx)
		return ctx, admit(ctx, id, found, nil)
	}, nil
}

// readsContext reports whether ext finds the user identity.NewContext put in
// a request's context, as identity.InContext does: asked once, at start-up.
func readsContext(ext identity.Extractor) bool {
	const probe = "grpcidentify-probe"
	ctx := identity.NewContext(context.Background(), identity.Identity{Identifier: probe})
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	if err != nil {
		return false
	}
	id, ok, err := ext.Extract(r)
	return ok && err == nil && id.Identifier == probe
}
