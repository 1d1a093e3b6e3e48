package accesstoken_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// failingKeys is a key source that cannot reach its keys.
type failingKeys struct{ err error }

func (f failingKeys) Keys(context.Context, string) (*token.KeySet, error) { return nil, f.err }

func TestKeySourceFailureIsUnavailable(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIntrospector{resp: activeAnswer()}
	for name, err := range map[string]error{
		"plain error":       errors.New("dial tcp: connection refused"),
		"context cancelled": context.Canceled,
		"unavailable":       token.Errorf(token.ErrUnavailable, "", "JWKS endpoint answered 503"),
	} {
		t.Run(name, func(t *testing.T) {
			v := f.validator(t, func(c *accesstoken.Config) {
				c.Keys = failingKeys{err: err}
				c.Introspector = fake
			})
			_, verr := validate(v, f.iss.AccessToken(nil))
			requireKind(t, verr, token.ErrUnavailable)
		})
	}
	assert.Zero(t, fake.calls.Load(), "a JWT that could not be verified went to the introspector")
}

func TestSlowIntrospectionEndsWithTheContext(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, func(c *accesstoken.Config) { c.Introspector = f.client(t) })
	raw := f.iss.OpaqueToken(nil)
	f.iss.SlowIntrospection(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := v.Validate(ctx, raw)
		done <- err
	}()
	// Cancel once the request has reached the endpoint.
	for f.iss.IntrospectionRequests() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	requireKind(t, err, token.ErrUnavailable)
	assert.ErrorIs(t, err, context.Canceled)

	f.iss.Heal()
	_, err = v.Validate(context.Background(), raw)
	require.NoError(t, err)
}

// TestConcurrentMixedTokens validates JWTs and opaque tokens, good and bad,
// from many goroutines at once (run it with -race), and checks every
// answer.
func TestConcurrentMixedTokens(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, func(c *accesstoken.Config) { c.Introspector = f.client(t); c.CacheSize = 4 })
	type tc struct {
		raw  string
		want error
	}
	var cases []tc
	for i := 0; i < 6; i++ {
		cases = append(cases,
			tc{f.iss.AccessToken(tokentest.Claims{"scope": "read"}), nil},
			tc{f.iss.OpaqueToken(nil), nil},
			tc{f.iss.IDToken(nil), token.ErrTokenType},
			tc{f.iss.RefreshToken(nil), token.ErrTokenType},
			tc{f.iss.AccessToken(tokentest.Claims{"aud": "https://other"}), token.ErrAudience},
		)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				c := cases[(g*11+i)%len(cases)]
				at, err := v.Validate(context.Background(), c.raw)
				switch {
				case c.want == nil && err != nil:
					errs <- err.Error()
					return
				case c.want != nil && !errors.Is(err, c.want):
					errs <- fmt.Sprintf("want %v, got %v", c.want, err)
					return
				case c.want == nil && at.Raw != c.raw:
					errs <- "answer for another token"
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
