module github.com/autoidentify/autoidentify/adapters/clerkclaims

go 1.26.0

require (
	github.com/autoidentify/autoidentify v0.0.0-00010101000000-000000000000
	github.com/clerk/clerk-sdk-go/v2 v2.4.2
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/go-jose/go-jose/v3 v3.0.4 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.19.0 // indirect
)
