module github.com/autoidentify/autoidentify/adapters/gorillasession

go 1.26.0

require (
	github.com/autoidentify/autoidentify v0.0.0-00010101000000-000000000000
	github.com/gorilla/sessions v1.4.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/gorilla/securecookie v1.1.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
