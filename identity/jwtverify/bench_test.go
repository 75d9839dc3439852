package jwtverify

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/alternate"
	"github.com/autoidentify/autoidentify/internal/publickey"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jwtCase is one algorithm measured both ways: through New's extractor
// (token from the header, verify, map) and through golang-jwt's own
// ParseWithClaims with the same parser options and key, which is the floor.
type jwtCase struct {
	name     string
	ours     *Extractor // without the verified-token cache
	cached   *Extractor // with it, as by default
	baseline func(token string) error
	req      *http.Request
	token    string
}

func jwtCases(tb testing.TB) []jwtCase {
	tb.Helper()
	k := keys()
	claims := jwt.MapClaims{
		"sub": "auth0|5f7c8ec7c33c6c004bbafe82", "email": "ada@example.com", "given_name": "Ada",
		"family_name": "Lovelace", "name": "Ada Lovelace", "picture": "https://example.com/ada.png",
		"iss": "https://idp.example.com/", "aud": "app",
		"exp": time.Now().Add(24 * time.Hour).Unix(), "iat": time.Now().Unix(),
	}
	var cases []jwtCase
	for _, c := range []struct {
		name     string
		src      KeySource
		method   jwt.SigningMethod
		sign     any
		verify   any
		validAlg []string
	}{
		{"HS256", HMACKey(k.hmac256), jwt.SigningMethodHS256, k.hmac256, k.hmac256, []string{"HS256"}},
		{"RS256", RSAPublicKey(&k.rsa.PublicKey), jwt.SigningMethodRS256, k.rsa, &k.rsa.PublicKey, publickey.RSAAlgorithms},
		{"ES256", ECDSAPublicKey(&k.p256.PublicKey), jwt.SigningMethodES256, k.p256, &k.p256.PublicKey, []string{"ES256"}},
	} {
		ours, err := New(c.src, WithIssuer("https://idp.example.com/"), WithAudience("app"), WithVerifiedCache(0, 0))
		require.NoError(tb, err)
		cached, err := New(c.src, WithIssuer("https://idp.example.com/"), WithAudience("app"))
		require.NoError(tb, err)
		parser := jwt.NewParser(jwt.WithValidMethods(c.validAlg), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
			jwt.WithLeeway(DefaultLeeway), jwt.WithIssuer("https://idp.example.com/"), jwt.WithAudience("app"))
		key := c.verify
		keyfunc := func(*jwt.Token) (any, error) { return key, nil }
		token := sign(tb, c.method, c.sign, claims)
		cases = append(cases, jwtCase{
			name: c.name, ours: ours, cached: cached, req: bearer(token), token: token,
			baseline: func(token string) error {
				_, err := parser.ParseWithClaims(token, jwt.MapClaims{}, keyfunc)
				return err
			},
		})
	}
	return cases
}

// BenchmarkJWT compares verification through the extractor with golang-jwt's
// ParseWithClaims alone. Run with -count to compare:
//
//	go test -run '^$' -bench BenchmarkJWT -benchtime 2s -count 5 ./identity
func BenchmarkJWT(b *testing.B) {
	cases := jwtCases(b)
	b.Run("ours", func(b *testing.B) {
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, ok, err := c.ours.Extract(c.req); !ok || err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
	b.Run("golang-jwt", func(b *testing.B) {
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := c.baseline(c.token); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// BenchmarkJWTOverhead measures the same two paths in alternating batches,
// so that load from other processes hits both alike, and reports the median
// of the per-batch ratios ours/golang-jwt: the number to read on a busy
// machine, where BenchmarkJWT's separate runs drift apart. NAME is
// verification without the verified-token cache; NAME-cached, a token the
// cache holds (the same token again), against the same golang-jwt parse.
func BenchmarkJWTOverhead(b *testing.B) {
	const batch = 20
	var runs []jwtCase
	for _, c := range jwtCases(b) {
		cached := c
		cached.name, cached.ours = c.name+"-cached", c.cached
		runs = append(runs, c, cached)
	}
	for _, c := range runs {
		b.Run(c.name, func(b *testing.B) {
			ours := func(int) {
				if _, ok, err := c.ours.Extract(c.req); !ok || err != nil {
					b.Fatal(err)
				}
			}
			base := func(int) {
				if err := c.baseline(c.token); err != nil {
					b.Fatal(err)
				}
			}
			alternate.Batches(b, batch, "ours-ns/op", ours, "golang-jwt-ns/op", base)
		})
	}
}

// TestJWTAllocatesNoMoreThanGolangJWT: taking the token from the request,
// checking its key and mapping its claims adds no allocation to
// ParseWithClaims (reusing the claims map saves some). Allocation counts
// are exact, unlike timings.
func TestJWTAllocatesNoMoreThanGolangJWT(t *testing.T) {
	for _, c := range jwtCases(t) {
		ours := testing.AllocsPerRun(50, func() {
			if _, ok, err := c.ours.Extract(c.req); !ok || err != nil {
				t.Fatal(err)
			}
		})
		floor := testing.AllocsPerRun(50, func() {
			if err := c.baseline(c.token); err != nil {
				t.Fatal(err)
			}
		})
		assert.LessOrEqual(t, ours, floor, c.name)
	}
}

func BenchmarkTokenSources(b *testing.B) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer abc.def.ghi")
	r.Header.Set("Cookie", "a=1; theme=dark; session_token=abc.def.ghi; z=2")
	for _, c := range []struct {
		name string
		src  TokenSource
	}{{"bearer", FromBearer()}, {"cookie", FromCookie("session_token")}, {"header", FromHeader("Authorization")}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.src(r) == "" {
					b.Fatal("no token")
				}
			}
		})
	}
}

func TestTokenSourcesAllocateNothing(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer abc.def.ghi")
	r.Header.Set("Cookie", "a=1; session_token=abc.def.ghi")
	for _, src := range []TokenSource{FromBearer(), FromCookie("session_token"), FromHeader("authorization")} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _ = src(r) }))
	}
}

// BenchmarkJWTCached is a hit of the verified-token cache, over the HS256
// tokens of 64 and of 4 096 sessions taken in turn, beside its floor in the
// same run (see BENCHMARKS.md, issue 25):
//
//   - floor: read the bearer token and look its identity up in a map of
//     verified tokens (whose keys are copies, as an app's would be);
//   - verified: ExtractVerified, the cache's Verified, which the middleware
//     asks for;
//   - extract: Extract, a copy of the identity that is the caller's own.
//
// With -cpu 1,2 (or more), the -parallel forms show how hits scale with
// cores; bench/ratios prints each over the floor.
func BenchmarkJWTCached(b *testing.B) {
	secret := []byte("a benchmark secret of 32 bytes..")
	e, err := New(HMACKey(secret))
	require.NoError(b, err)
	for _, n := range []int{64, 4096} {
		reqs := make([]*http.Request, n)
		verified := make(map[string]identity.Identity, n)
		for i := range reqs {
			token := sign(b, jwt.SigningMethodHS256, secret, jwt.MapClaims{
				"sub": fmt.Sprintf("user-%07d", i), "email": fmt.Sprintf("user%d@example.com", i),
				"given_name": "Ann", "family_name": "Example", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
			})
			reqs[i] = bearer(token)
			id, ok, err := e.Extract(reqs[i])
			require.True(b, ok)
			require.NoError(b, err)
			verified[strings.Clone(token)] = id
		}
		paths := []struct {
			name string
			hit  func(r *http.Request) bool
		}{
			{"floor", func(r *http.Request) bool {
				_, ok := verified[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
				return ok
			}},
			{"verified", func(r *http.Request) bool { _, ok, _ := e.ExtractVerified(r); return ok }},
			{"extract", func(r *http.Request) bool { _, ok, _ := e.Extract(r); return ok }},
		}
		for _, p := range paths {
			b.Run(fmt.Sprintf("sessions=%d/%s", n, p.name), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if !p.hit(reqs[i%n]) {
						b.Fatal("miss")
					}
					i++
				}
			})
			b.Run(fmt.Sprintf("sessions=%d/%s-parallel", n, p.name), func(b *testing.B) {
				b.ReportAllocs()
				var seq atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					i := int(seq.Add(1)) * 7919 // each goroutine starts on other sessions
					for pb.Next() {
						if !p.hit(reqs[i%n]) {
							b.Fatal("miss")
						}
						i++
					}
				})
			})
		}
	}
}

// A hit of the verified-token cache allocates nothing.
func TestVerifiedCacheHitAllocatesNothing(t *testing.T) {
	for _, c := range jwtCases(t) {
		if _, ok, err := c.cached.Extract(c.req); !ok || err != nil {
			t.Fatal(err)
		}
		assert.Zero(t, testing.AllocsPerRun(100, func() {
			if _, ok, err := c.cached.Extract(c.req); !ok || err != nil {
				t.Fatal(err)
			}
		}), c.name)
	}
}
