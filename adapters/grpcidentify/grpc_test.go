package grpcidentify_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/autoidentify/autoidentify/adapters/grpcidentify"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/internal/adaptertest"
	"github.com/autoidentify/autoidentify/middleware"
)

// The shared kit: a Middleware syncing to a fake of the API, and a wait for its syncs.
var (
	setup = adaptertest.Setup
	flush = adaptertest.Flush
)

var signKey = []byte("0123456789abcdef0123456789abcdef")

func sign(tb testing.TB, claims jwt.MapClaims) string {
	tb.Helper()
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(signKey)
	require.NoError(tb, err)
	return s
}

func bearer(tb testing.TB) grpcidentify.Extractor {
	tb.Helper()
	v, err := jwtverify.New(jwtverify.HMACKey(signKey))
	require.NoError(tb, err)
	return grpcidentify.Bearer(v)
}

// whoService is a gRPC service written by hand (no generated code): Me
// answers the identifier of the call's user, Watch sends it on a stream;
// "-" if there is none.
var whoService = grpc.ServiceDesc{
	ServiceName: "test.Who",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Me",
		Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			me := func(ctx context.Context, _ any) (any, error) { return wrapperspb.String(who(ctx)), nil }
			if interceptor == nil {
				return me(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/test.Who/Me"}, me)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Watch",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			return stream.SendMsg(wrapperspb.String(who(stream.Context())))
		},
	}},
}

func who(ctx context.Context) string {
	id, ok := identity.FromContext(ctx)
	if !ok {
		return "-"
	}
	return id.Identifier
}

// serve starts a real gRPC server on an in-memory listener with the
// interceptors, and returns a real client connected to it.
func serve(t testing.TB, opts ...grpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(opts...)
	srv.RegisterService(&whoService, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func interceptors(t testing.TB, m *middleware.Middleware, opts ...middleware.Option) []grpc.ServerOption {
	t.Helper()
	unary, err := grpcidentify.UnaryServerInterceptor(m, opts...)
	require.NoError(t, err)
	stream, err := grpcidentify.StreamServerInterceptor(m, opts...)
	require.NoError(t, err)
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream)}
}

func withToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func me(ctx context.Context, conn *grpc.ClientConn) (string, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, "/test.Who/Me", &emptypb.Empty{}, out)
	return out.GetValue(), err
}

func watch(ctx context.Context, conn *grpc.ClientConn) (string, error) {
	stream, err := conn.NewStream(ctx, &whoService.Streams[0], "/test.Who/Watch")
	if err != nil {
		return "", err
	}
	if err := stream.SendMsg(&emptypb.Empty{}); err != nil {
		return "", err
	}
	if err := stream.CloseSend(); err != nil {
		return "", err
	}
	out := new(wrapperspb.StringValue)
	err = stream.RecvMsg(out)
	return out.GetValue(), err
}

func TestBearerTokenUserIsSynced(t *testing.T) {
	t.Parallel()
	m, api := setup(t, middleware.WithExtractor(bearer(t)))
	conn := serve(t, interceptors(t, m)...)
	ctx := withToken(t.Context(), sign(t, jwt.MapClaims{"sub": "ann", "email": "ann@example.com"}))

	for range 3 {
		got, err := me(ctx, conn)
		require.NoError(t, err)
		assert.Equal(t, "ann", got)
		got, err = watch(ctx, conn)
		require.NoError(t, err)
		assert.Equal(t, "ann", got, "streams see the user too")
	}
	flush(t, m)
	u, ok := api.User("ann")
	require.True(t, ok)
	assert.Equal(t, "ann@example.com", u.Profile().Email)
	assert.Equal(t, 1, api.Calls(), "one sync for the user's six calls")
	hits := m.Stats().Hits
	_, err := me(ctx, conn)
	require.NoError(t, err)
	assert.Equal(t, hits+1, m.Stats().Hits, "a synced user's call is a hit")
}

func TestRequiredAnswersUnauthenticated(t *testing.T) {
	t.Parallel()
	m, api := setup(t, middleware.WithExtractor(bearer(t)))
	conn := serve(t, interceptors(t, m, middleware.WithRequired(true))...)

	for name, ctx := range map[string]context.Context{
		"no token":       t.Context(),
		"bad signature":  withToken(t.Context(), sign(t, jwt.MapClaims{"sub": "eve"})[:40]+"x.y.z"),
		"expired":        withToken(t.Context(), sign(t, jwt.MapClaims{"sub": "eve", "exp": time.Now().Add(-time.Hour).Unix()})),
		"not a bearer":   metadata.AppendToOutgoingContext(t.Context(), "authorization", "Basic ZXZlOnB3"),
		"another secret": withToken(t.Context(), otherSecret(t)),
	} {
		_, err := me(ctx, conn)
		assert.Equal(t, codes.Unauthenticated, status.Code(err), name)
		_, err = watch(ctx, conn)
		assert.Equal(t, codes.Unauthenticated, status.Code(err), name)
	}
	flush(t, m)
	assert.Zero(t, api.Calls(), "nobody is created from an unverified token")
	assert.Equal(t, uint64(10), m.Stats().NoUser)

	open := serve(t, interceptors(t, m)...)
	got, err := me(t.Context(), open)
	require.NoError(t, err, "a route not WithRequired lets the call on without a user")
	assert.Equal(t, "-", got)
}

func otherSecret(t *testing.T) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "eve", "exp": time.Now().Add(time.Hour).Unix()}).
		SignedString([]byte("another secret, another secret!!"))
	require.NoError(t, err)
	return s
}

func TestUpstreamInterceptorUser(t *testing.T) {
	t.Parallel()
	m, api := setup(t) // identity.InContext
	auth := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(identity.NewContext(ctx, identity.Identity{Identifier: "bob", Profile: identity.Profile{Email: "bob@example.com"}}), req)
	}
	unary, err := grpcidentify.UnaryServerInterceptor(m)
	require.NoError(t, err)
	conn := serve(t, grpc.ChainUnaryInterceptor(auth, unary))
	got, err := me(t.Context(), conn)
	require.NoError(t, err)
	assert.Equal(t, "bob", got)
	flush(t, m)
	u, _ := api.User("bob")
	assert.Equal(t, "bob@example.com", u.Profile().Email)
}

func TestHTTPOnlyExtractorIsRefusedAtStart(t *testing.T) {
	t.Parallel()
	v, err := jwtverify.New(jwtverify.HMACKey(signKey))
	require.NoError(t, err)
	m, _ := setup(t, middleware.WithExtractor(v)) // reads the Authorization header of HTTP requests
	_, err = grpcidentify.UnaryServerInterceptor(m)
	var cfg *identity.ConfigError
	require.ErrorAs(t, err, &cfg)
	assert.Equal(t, "Extractor", cfg.Field)
	assert.Contains(t, err.Error(), "grpcidentify.Bearer")

	_, err = grpcidentify.StreamServerInterceptor(m, middleware.WithExtractor(identity.FirstOf(identity.InContext, v)))
	assert.NoError(t, err, "an extractor that reads the context first is fine")
	_, err = grpcidentify.UnaryServerInterceptor(m, middleware.WithWorkers(1))
	assert.ErrorAs(t, err, &cfg, "an option of the whole middleware is refused")
}
