module github.com/autoidentify/autoidentify/adapters/auth0claims

go 1.26.0

require (
	github.com/auth0/go-jwt-middleware/v2 v2.3.1
	github.com/autoidentify/autoidentify v0.0.0-00010101000000-000000000000
	github.com/golang-jwt/jwt/v4 v4.5.2
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/stretchr/testify v1.12.1
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	gopkg.in/go-jose/go-jose.v2 v2.6.3 // indirect
)
