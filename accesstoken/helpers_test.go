package accesstoken_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// epoch is the fixed "now" of the tests; every clock starts there.
var epoch = time.Unix(1_800_000_000, 0).UTC()

// clock is a settable clock shared by an issuer and a validator. Reading it
// takes no lock: the benchmarks read it on every call from every core, as a
// validator reads time.Now, and a lock bouncing between cores would be
// timed as the validator's work.
type clock struct {
	offset atomic.Int64 // nanoseconds after epoch
}

func newClock() *clock { return &clock{} }

func (c *clock) Now() time.Time { return epoch.Add(time.Duration(c.offset.Load())) }

func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// fixture is an issuer, its clock and a way to build validators for it.
type fixture struct {
	iss *tokentest.Issuer
	clk *clock
}

func newFixture(t testing.TB, opts ...tokentest.Option) *fixture {
	t.Helper()
	clk := newClock()
	opts = append([]tokentest.Option{tokentest.WithClock(clk.Now)}, opts...)
	return &fixture{iss: tokentest.NewIssuer(t, opts...), clk: clk}
}

// config is the usual configuration for the fixture's issuer: JWTs through
// its in-memory key source, the fixture's clock, no introspector.
func (f *fixture) config() accesstoken.Config {
	return accesstoken.Config{
		Issuer:   f.iss.URL(),
		Audience: f.iss.Audience(),
		Keys:     f.iss.KeySource(),
		Now:      f.clk.Now,
	}
}

// client is an introspect.Client for the fixture's introspection endpoint.
func (f *fixture) client(t testing.TB) *introspect.Client {
	t.Helper()
	c, err := introspect.NewClient(introspect.Config{
		Endpoint:     f.iss.IntrospectionURL(),
		ClientID:     f.iss.IntrospectionClientID(),
		ClientSecret: f.iss.IntrospectionClientSecret(),
		HTTPClient:   f.iss.HTTPClient(),
	})
	require.NoError(t, err)
	return c
}

func (f *fixture) validator(t testing.TB, edit ...func(*accesstoken.Config)) *accesstoken.Validator {
	t.Helper()
	cfg := f.config()
	for _, e := range edit {
		e(&cfg)
	}
	v, err := accesstoken.NewValidator(cfg)
	require.NoError(t, err)
	return v
}

// sentinels are every error kind package token defines.
var sentinels = []error{
	token.ErrMalformed, token.ErrTooLarge, token.ErrUnsupportedAlgorithm, token.ErrKeyMismatch,
	token.ErrCritical, token.ErrKeyNotFound, token.ErrSignature, token.ErrExpired,
	token.ErrNotYetValid, token.ErrIssuedInFuture, token.ErrIssuer, token.ErrAudience,
	token.ErrAuthorizedParty, token.ErrTokenType, token.ErrMissingClaim, token.ErrInvalidClaim,
	token.ErrNonce, token.ErrTokenHash, token.ErrAuthTime, token.ErrACR,
	token.ErrInsufficientScope, token.ErrInactive, token.ErrUnavailable,
	token.ErrReplay, token.ErrSenderConstrained, token.ErrBinding, token.ErrDPoPProof, token.ErrDPoPNonce,
}

// requireKind asserts that err matches want and no other sentinel, and is a
// *token.ValidationError.
func requireKind(t testing.TB, err error, want error) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, want, "error: %v", err)
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error %q matches %q as well as %q", err, s, want)
		}
	}
	var ve *token.ValidationError
	require.ErrorAs(t, err, &ve)
}

// validate runs v on raw with a background context.
func validate(v *accesstoken.Validator, raw string) (*accesstoken.Token, error) {
	return v.Validate(context.Background(), raw)
}

// fakeIntrospector answers with a fixed response (cloned per call) or error,
// and counts calls.
type fakeIntrospector struct {
	resp  *introspect.Response
	err   error
	calls atomic.Int32
}

func (f *fakeIntrospector) Introspect(ctx context.Context, tok string) (*introspect.Response, error) {
	f.calls.Add(1)
	if f.err != nil {
		return nil, f.err
	}
	return f.resp.Clone(), nil
}

// countingKeys counts calls to a key source.
type countingKeys struct {
	inner token.KeySource
	calls atomic.Int32
}

func (c *countingKeys) Keys(ctx context.Context, kid string) (*token.KeySet, error) {
	c.calls.Add(1)
	return c.inner.Keys(ctx, kid)
}

// mergeClaims returns a new Claims holding every member of each of cs in
// turn, later ones overriding earlier ones.
func mergeClaims(cs ...tokentest.Claims) tokentest.Claims {
	out := tokentest.Claims{}
	for _, c := range cs {
		for k, v := range c {
			out[k] = v
		}
	}
	return out
}
