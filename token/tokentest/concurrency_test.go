package tokentest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Many goroutines mint, verify, introspect, revoke, rotate and toggle
// failures at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	v := verifier(t, iss)
	c := client(t, iss, introspect.AuthClientSecretBasic)
	ctx := context.Background()

	const workers, rounds = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Go(func() {
			for range rounds {
				if _, err := v.Verify(ctx, iss.IDToken(nil)); err != nil {
					errs <- err
				}
				if _, err := v.Verify(ctx, iss.AccessToken(tokentest.Claims{"scope": "read"})); err != nil {
					errs <- err
				}
				tok := iss.OpaqueToken(nil)
				if r, err := c.Introspect(ctx, tok); err != nil {
					errs <- err
				} else if !r.Active {
					errs <- errors.New("a fresh opaque token is inactive")
				}
				iss.Revoke(tok)
				_ = iss.RefreshToken(nil)
				_ = iss.KeySet()
				_ = iss.JWKSRequests() + iss.IntrospectionRequests()
				if w == 0 {
					iss.RotateKey() // old keys stay published, so others still verify
					iss.SlowJWKS(0)
					iss.Heal()
				}
			}
		})
	}
	wg.Go(func() {
		for range rounds {
			resp, err := iss.HTTPClient().Get(iss.JWKSURL())
			if err != nil {
				errs <- err
				continue
			}
			resp.Body.Close()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, rounds+1, iss.KeySet().Len())
	assert.Equal(t, rounds, iss.JWKSRequests())
	assert.Equal(t, workers*rounds, iss.IntrospectionRequests())
}
