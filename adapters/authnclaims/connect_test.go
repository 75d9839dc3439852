package authnclaims_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/authn"
	"connectrpc.com/connect"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/autoidentify/autoidentify/adapters/authnclaims"
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

func sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(signKey)
	require.NoError(t, err)
	return s
}

func extractor(t testing.TB, opts ...authnclaims.Option) *authnclaims.Extractor {
	t.Helper()
	ext, err := authnclaims.New(opts...)
	require.NoError(t, err)
	return ext
}

const meProcedure = "/test.v1.WhoService/Me"

// whoHandler is a Connect service (no generated code): Me answers the
// identifier of the call's user, "-" if none.
func whoHandler() http.Handler {
	return connect.NewUnaryHandler(meProcedure, func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[wrapperspb.StringValue], error) {
		id, ok := identity.FromContext(ctx)
		if !ok {
			return connect.NewResponse(wrapperspb.String("-")), nil
		}
		return connect.NewResponse(wrapperspb.String(id.Identifier)), nil
	})
}

// serve runs authn (verifying bearer tokens with identity's JWT verifier,
// returning claims or an identity) before the middleware, before the
// Connect handler, on a real HTTP server; it returns a real Connect client.
func serve(t testing.TB, m *middleware.Middleware, info func(identity.Identity, string) any) *connect.Client[emptypb.Empty, wrapperspb.StringValue] {
	t.Helper()
	verifier, err := jwtverify.New(jwtverify.HMACKey(signKey))
	require.NoError(t, err)
	auth := authn.NewMiddleware(func(_ context.Context, r *http.Request) (any, error) {
		token, ok := authn.BearerToken(r)
		if !ok {
			return nil, authn.Errorf("no token")
		}
		id, err := verifier.Verify(token)
		if err != nil {
			return nil, authn.Errorf("invalid token")
		}
		return info(id, token), nil
	})
	mux := http.NewServeMux()
	mux.Handle(meProcedure, whoHandler())
	srv := httptest.NewServer(auth.Wrap(m.Handler(mux)))
	t.Cleanup(srv.Close)
	return connect.NewClient[emptypb.Empty, wrapperspb.StringValue](srv.Client(), srv.URL+meProcedure)
}

func call(t testing.TB, c *connect.Client[emptypb.Empty, wrapperspb.StringValue], token string) (string, error) {
	t.Helper()
	req := connect.NewRequest(&emptypb.Empty{})
	if token != "" {
		req.Header().Set("Authorization", "Bearer "+token)
	}
	res, err := c.CallUnary(t.Context(), req)
	if err != nil {
		return "", err
	}
	return res.Msg.GetValue(), nil
}

func TestConnectWithAuthn(t *testing.T) {
	t.Parallel()
	for name, info := range map[string]func(identity.Identity, string) any{
		"identity": func(id identity.Identity, _ string) any { return id },
		"pointer":  func(id identity.Identity, _ string) any { return &id },
		"claims": func(_ identity.Identity, token string) any {
			claims := jwt.MapClaims{}
			_, _, err := jwt.NewParser().ParseUnverified(token, claims) // verified above
			if err != nil {
				panic(err)
			}
			return claims
		},
		"struct": func(id identity.Identity, _ string) any {
			return struct {
				Sub   string `json:"sub"`
				Email string `json:"email"`
			}{id.Identifier, id.Profile.Email}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, api := setup(t, middleware.WithExtractor(extractor(t)))
			client := serve(t, m, info)

			token := sign(t, jwt.MapClaims{"sub": "ann", "email": "ann@example.com"})
			for range 3 {
				got, err := call(t, client, token)
				require.NoError(t, err)
				assert.Equal(t, "ann", got)
			}
			flush(t, m)
			u, ok := api.User("ann")
			require.True(t, ok)
			assert.Equal(t, "ann@example.com", u.Profile().Email)
			assert.Equal(t, 1, api.Calls())

			_, err := call(t, client, "forged.token.here")
			var cerr *connect.Error
			require.True(t, errors.As(err, &cerr))
			assert.Equal(t, connect.CodeUnauthenticated, cerr.Code(), "authn refuses it")
			flush(t, m)
			assert.Equal(t, 1, api.Calls(), "nobody is created from it")
		})
	}
}

func TestExtractorAnswers(t *testing.T) {
	t.Parallel()
	ext := extractor(t)
	extract := func(info any) (identity.Identity, bool, error) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if info != nil {
			r = r.WithContext(authn.SetInfo(r.Context(), info))
		}
		return ext.Extract(r)
	}
	_, ok, err := extract(nil)
	assert.False(t, ok)
	assert.NoError(t, err, "no info: no user, no error")

	_, ok, err = extract(identity.Identity{Identifier: ""})
	assert.False(t, ok)
	assert.ErrorIs(t, err, identity.ErrInvalidIdentifier)

	_, ok, err = extract(map[string]any{"email": "x@example.com"})
	assert.False(t, ok)
	assert.ErrorIs(t, err, identity.ErrNoIdentifier)

	_, ok, err = extract("just a string")
	assert.False(t, ok)
	assert.Error(t, err)

	id, ok, err := extract(map[string]any{"sub": "ann", "given_name": "Ann"})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, identity.Identity{Identifier: "ann", Profile: identity.Profile{FirstName: "Ann"}}, id)
}
