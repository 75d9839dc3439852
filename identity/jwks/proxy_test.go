package jwks

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
)

// Identity-aware proxies sign a JWT per request, in a header of their own,
// with keys they publish as a JWKS: the README's recipes, each checked here
// against a local JWKS with the provider's header, algorithm, issuer,
// audience and claims.
func TestIdentityAwareProxyRecipes(t *testing.T) {
	t.Parallel()
	k := keys()
	tests := []struct {
		name     string
		header   string
		method   jwt.SigningMethod
		key      any
		other    any // a key of the same kind the proxy does not publish
		public   any
		iss, aud string
		claims   jwt.MapClaims
		want     identity.Identity
	}{{
		name: "Cloudflare Access", header: "Cf-Access-Jwt-Assertion", method: jwt.SigningMethodRS256, key: k.rsa, other: k.rsa2, public: &k.rsa.PublicKey,
		iss: "https://team.cloudflareaccess.com", aud: "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2",
		claims: jwt.MapClaims{"sub": "7335d417-61da-459d-899c-0a01c76a2f94", "email": "ann@example.com", "type": "app", "identity_nonce": "6ei69kawdKzMIAPF"},
		want:   identity.Identity{Identifier: "7335d417-61da-459d-899c-0a01c76a2f94", Profile: identity.Profile{Email: "ann@example.com"}},
	}, {
		name: "Google IAP", header: "X-Goog-Iap-Jwt-Assertion", method: jwt.SigningMethodES256, key: k.p256, other: k.p256b, public: &k.p256.PublicKey,
		iss: "https://cloud.google.com/iap", aud: "/projects/123456789/global/backendServices/987654321",
		claims: jwt.MapClaims{"sub": "accounts.google.com:118133858486581853996", "email": "ann@example.com", "hd": "example.com"},
		want:   identity.Identity{Identifier: "accounts.google.com:118133858486581853996", Profile: identity.Profile{Email: "ann@example.com"}},
	}, {
		name: "Pomerium", header: "X-Pomerium-Jwt-Assertion", method: jwt.SigningMethodES256, key: k.p256b, other: k.p256, public: &k.p256b.PublicKey,
		iss: "app.example.com", aud: "app.example.com",
		claims: jwt.MapClaims{"sub": "7f7a1d6b-1c4e-4f0a-9f7e-111111111111", "email": "ann@example.com", "name": "Ann Example", "groups": []any{"admins"}},
		want:   identity.Identity{Identifier: "7f7a1d6b-1c4e-4f0a-9f7e-111111111111", Profile: identity.Profile{Email: "ann@example.com", Name: "Ann Example"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newJWKSServer(t, jwk{"proxy-key", tt.public, tt.method.Alg()})
			proxy := newJWT(t, newJWKS(t, srv.URL),
				jwtverify.WithTokenSource(jwtverify.FromHeader(tt.header)),
				jwtverify.WithIssuer(tt.iss), jwtverify.WithAudience(tt.aud))
			claims := func(kv ...any) jwt.MapClaims {
				c := validClaims()
				for k, v := range tt.claims {
					c[k] = v
				}
				c["iss"], c["aud"] = tt.iss, tt.aud
				return with(c, kv...)
			}
			request := func(name, token string) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set(name, token)
				return r
			}

			id, ok, err := proxy.Extract(request(tt.header, sign(t, tt.method, tt.key, claims(), "kid", "proxy-key")))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.want, id)

			for what, token := range map[string]string{
				"another audience": sign(t, tt.method, tt.key, claims("aud", "another-app"), "kid", "proxy-key"),
				"another issuer":   sign(t, tt.method, tt.key, claims("iss", "https://evil.example"), "kid", "proxy-key"),
				"another key":      sign(t, tt.method, tt.other, claims(), "kid", "proxy-key"),
			} {
				_, ok, err := proxy.Extract(request(tt.header, token))
				assert.False(t, ok, what)
				assert.ErrorIs(t, err, jwtverify.ErrInvalidToken, what)
			}
			_, ok, err = proxy.Extract(bearer(sign(t, tt.method, tt.key, claims(), "kid", "proxy-key")))
			assert.False(t, ok, "the proxy's header alone counts, not a bearer token")
			assert.NoError(t, err)
		})
	}
}
