package jwtverify

import (
	"fmt"
	"sync"
	"testing"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJWTReusesClaimsMapsSafely: Verify decodes into claims maps it reuses.
// Identities mapped earlier keep their values, custom objects included, and
// verifications on many goroutines never see each other's claims. Run with
// -race.
func TestJWTReusesClaimsMapsSafely(t *testing.T) {
	t.Parallel()
	k := keys()
	mapperOpts := []identity.ClaimsOption{identity.WithAttributeClaim("org", "org")}
	e := newJWT(t, HMACKey(k.hmac256), WithClaimsOptions(mapperOpts...))
	const users = 40
	tokens := make([]string, users)
	for i := range tokens {
		claims := with(validClaims(), "sub", fmt.Sprint("user-", i), "email", fmt.Sprintf("user%d@example.com", i),
			"org", map[string]any{"id": fmt.Sprint("org-", i)})
		if i%2 == 1 { // fewer claims, so maps of different sizes go round
			delete(claims, "nbf")
		}
		tokens[i] = sign(t, jwt.SigningMethodHS256, k.hmac256, claims)
	}
	check := func(id identity.Identity, i int) bool {
		org, _ := id.Profile.Custom["org"].(map[string]any)
		return id.Identifier == fmt.Sprint("user-", i) && id.Profile.Email == fmt.Sprintf("user%d@example.com", i) &&
			org["id"] == fmt.Sprint("org-", i)
	}

	first, err := e.Verify(tokens[0])
	require.NoError(t, err)
	require.True(t, check(first, 0))

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := (g*7 + n) % users
				id, err := e.Verify(tokens[i])
				if err != nil || !check(id, i) {
					t.Errorf("token %d gave %+v, %v", i, id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.True(t, check(first, 0), "an identity mapped before keeps its claims")

	// A rejected token leaves no claims behind for the next one.
	_, err = e.Verify(sign(t, jwt.SigningMethodHS256, []byte("another secret of 32 bytes......"), validClaims()))
	require.ErrorIs(t, err, ErrInvalidToken)
	id, err := e.Verify(sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", "solo")))
	require.NoError(t, err)
	assert.Equal(t, "solo", id.Identifier)
	assert.Nil(t, id.Profile.Custom, "no org from an earlier token")
}
