package grpcidentify_test

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/autoidentify/autoidentify/adapters/grpcidentify"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// A gRPC server whose calls carry a bearer token: the interceptors verify
// it, refuse a call without one, and sync its user in the background.
func Example() {
	verifier, err := jwtverify.New(jwtverify.HMACKey([]byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		panic(err)
	}
	dir, _ := memory.New() // in production: an engagespot.Client
	m, err := middleware.New(dir, middleware.WithExtractor(grpcidentify.Bearer(verifier)))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())
	unary, err := grpcidentify.UnaryServerInterceptor(m, middleware.WithRequired(true))
	if err != nil {
		panic(err)
	}
	stream, err := grpcidentify.StreamServerInterceptor(m, middleware.WithRequired(true))
	if err != nil {
		panic(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream))
	srv.RegisterService(&whoService, struct{}{}) // in an app: pb.RegisterYourServer(srv, impl)
	lis := bufconn.Listen(1 << 20)               // in an app: net.Listen("tcp", addr)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, _ := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()
	// {"sub": "ann", "email": "ann@example.com", "exp": 2100-01-01}, signed HS256 with the key above.
	token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFubkBleGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMCwic3ViIjoiYW5uIn0.Y89oqdx0pEsrm-2PWa3Ldl3IpoVZogkDIK48rtaNxVc"
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	out := new(wrapperspb.StringValue)
	err = conn.Invoke(ctx, "/test.Who/Me", &emptypb.Empty{}, out)
	fmt.Println(out.GetValue(), err)
	err = conn.Invoke(context.Background(), "/test.Who/Me", &emptypb.Empty{}, out)
	fmt.Println(err)

	_ = m.Flush(context.Background())
	profile, _ := dir.User("ann")
	fmt.Println(profile.Email)
	// Output:
	// ann <nil>
	// rpc error: code = Unauthenticated desc = unauthenticated
	// ann@example.com
}
