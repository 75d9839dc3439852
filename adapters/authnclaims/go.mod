module github.com/autoidentify/autoidentify/adapters/authnclaims

go 1.26.0

require (
	connectrpc.com/authn v0.2.0
	connectrpc.com/connect v1.21.1
	github.com/autoidentify/autoidentify v0.0.0-00010101000000-000000000000
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
