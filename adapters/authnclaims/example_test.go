package authnclaims_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"connectrpc.com/authn"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/autoidentify/autoidentify/adapters/authnclaims"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// A Connect service behind authn and the middleware: authn verifies the
// bearer token with identity's JWT verifier, the middleware syncs its user.
func Example() {
	verifier, err := jwtverify.New(jwtverify.HMACKey([]byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		panic(err)
	}
	auth := authn.NewMiddleware(func(_ context.Context, r *http.Request) (any, error) {
		token, ok := authn.BearerToken(r)
		if !ok {
			return nil, authn.Errorf("no token")
		}
		return verifier.Verify(token) // an identity.Identity
	})
	ext, err := authnclaims.New()
	if err != nil {
		panic(err)
	}
	dir, _ := memory.New() // in production: an engagespot.Client
	m, err := middleware.New(dir, middleware.WithExtractor(ext))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	mux := http.NewServeMux()
	mux.Handle(meProcedure, whoHandler()) // in an app: mux.Handle(yourv1connect.NewYourServiceHandler(svc))
	srv := httptest.NewServer(auth.Wrap(m.Handler(mux)))
	defer srv.Close()

	client := connect.NewClient[emptypb.Empty, wrapperspb.StringValue](srv.Client(), srv.URL+meProcedure)
	req := connect.NewRequest(&emptypb.Empty{})
	// {"sub": "ann", "email": "ann@example.com", "exp": 2100-01-01}, signed HS256 with the key above.
	req.Header().Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFubkBleGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMCwic3ViIjoiYW5uIn0.Y89oqdx0pEsrm-2PWa3Ldl3IpoVZogkDIK48rtaNxVc")
	res, err := client.CallUnary(context.Background(), req)
	if err != nil {
		panic(err)
	}
	_ = m.Flush(context.Background())
	profile, _ := dir.User("ann")
	fmt.Println(res.Msg.GetValue(), profile.Email)
	// Output: ann ann@example.com
}
