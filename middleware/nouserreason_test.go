package middleware_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// keyedHMAC is a key set of one HMAC key, known by its kid.
type keyedHMAC struct{ kid string }

func (keyedHMAC) Algorithms() []string { return []string{"HS256"} }

func (k keyedHMAC) VerificationKey(t *jwt.Token) (any, error) {
	if t.Header["kid"] != k.kid {
		return nil, jwtverify.ErrUnknownKey
	}
	return benchSecret, nil
}

func TestRequestsWithoutAUserAreCountedByReason(t *testing.T) {
	t.Parallel()
	ext, err := jwtverify.New(keyedHMAC{"k1"}, jwtverify.WithAudience("app"))
	require.NoError(t, err)
	var log logs
	m, _ := setup(t, log.option())
	h := with(t, m, middleware.WithExtractor(ext)).Handler(echo)

	now := time.Now()
	claims := func(kv ...any) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "ann", "aud": "app", "exp": now.Add(time.Hour).Unix()}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	sign := func(c jwt.MapClaims, key []byte, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	tokens := map[middleware.NoUserReason][]string{
		middleware.NoUserNoCredentials:     {""},
		middleware.NoUserExpired:           {sign(claims("exp", now.Add(-time.Hour).Unix()), benchSecret, "k1")},
		middleware.NoUserNotYetValid:       {sign(claims("nbf", now.Add(time.Hour).Unix()), benchSecret, "k1")},
		middleware.NoUserBadSignature:      {sign(claims(), []byte("another secret, of 32 bytes or more"), "k1")},
		middleware.NoUserUnknownKey:        {sign(claims(), benchSecret, "k2")},
		middleware.NoUserMalformed:         {"not-a-token", "a.b.c"},
		middleware.NoUserInvalidIdentifier: {sign(claims("sub", " "), benchSecret, "k1")},
		middleware.NoUserRefused:           {sign(claims("aud", "another-app"), benchSecret, "k1")},
	}
	for reason, list := range tokens {
		for _, token := range list {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if token != "" {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, "-", w.Body.String(), reason)
			if token != "" {
				assert.NotContains(t, log.String(), token, "never the token")
			}
		}
	}

	s := m.Stats()
	assert.Equal(t, uint64(9), s.NoUser)
	want := map[middleware.NoUserReason]uint64{}
	for reason, list := range tokens {
		want[reason] = uint64(len(list))
	}
	assert.Equal(t, want, s.NoUserBy)
	for _, reason := range middleware.NoUserReasons[1:] {
		assert.Contains(t, log.String(), fmt.Sprintf(`level=DEBUG msg="middleware: credential rejected" reason=%s `, reason))
	}
}

func TestClassifyNoUserReadsWrappedErrors(t *testing.T) {
	t.Parallel()
	assert.Equal(t, middleware.NoUserNoCredentials, middleware.ClassifyNoUser(nil))
	assert.Equal(t, middleware.NoUserExpired, middleware.ClassifyNoUser(fmt.Errorf("echo-jwt: %w", jwt.ErrTokenExpired)))
	assert.Equal(t, middleware.NoUserRefused, middleware.ClassifyNoUser(errors.New("a claims hook said no")))
	assert.Len(t, middleware.NoUserReasons, 8)
}

// An extractor that quotes the credential in its error: the Debug line
// does not.
func TestRejectionLogsNoCredential(t *testing.T) {
	t.Parallel()
	var log logs
	m, _ := setup(t, log.option())
	const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJl"
	quoting := identity.ExtractorFunc(func(r *http.Request) (identity.Identity, bool, error) {
		return identity.Identity{}, false, fmt.Errorf("bad token %q, cookie %q", r.Header.Get("Authorization"), r.Header.Get("Cookie"))
	})
	h := with(t, m, middleware.WithExtractor(quoting)).Handler(echo)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Cookie", "session=s3cr3t-session-id; theme=dark")
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Contains(t, log.String(), "reason=refused")
	assert.NotContains(t, log.String(), token)
	assert.NotContains(t, log.String(), "s3cr3t-session-id")
}
