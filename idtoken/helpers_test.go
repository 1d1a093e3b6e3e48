package idtoken_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// t0 is the fixed time every test starts at; tokens are minted and validated
// on the same injected clock, so no test depends on the wall clock.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// clock is an injectable clock that tests move by hand. Reading it takes
// no lock: the benchmarks read it on every call from every core, as a
// validator reads time.Now, and a lock's counter bouncing between cores
// would be timed as the validator's.
type clock struct {
	offset atomic.Int64 // nanoseconds after t0
}

func newClock() *clock { return &clock{} }

func (c *clock) Now() time.Time { return t0.Add(time.Duration(c.offset.Load())) }

func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// at returns t0+d in seconds since the epoch, as a claim value.
func at(d time.Duration) int64 { return t0.Add(d).Unix() }

// fixture is an issuer and the clock it and its validators share.
type fixture struct {
	iss   *tokentest.Issuer
	clock *clock
}

func newFixture(t testing.TB, opts ...tokentest.Option) *fixture {
	t.Helper()
	c := newClock()
	opts = append([]tokentest.Option{tokentest.WithClock(c.Now)}, opts...)
	return &fixture{iss: tokentest.NewIssuer(t, opts...), clock: c}
}

// config is the validator configuration for the fixture's issuer: its
// algorithm allowed, its in-memory key source, the shared clock.
func (f *fixture) config() idtoken.Config {
	return idtoken.Config{
		Issuer:     f.iss.URL(),
		ClientID:   f.iss.ClientID(),
		Keys:       f.iss.KeySource(),
		Algorithms: []string{f.iss.Algorithm()},
		Now:        f.clock.Now,
	}
}

func (f *fixture) validator(t testing.TB, edit func(*idtoken.Config)) *idtoken.Validator {
	t.Helper()
	cfg := f.config()
	if edit != nil {
		edit(&cfg)
	}
	v, err := idtoken.NewValidator(cfg)
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

// expect validates raw and checks the outcome: success when want is nil,
// otherwise an error matching want that is a *token.ValidationError whose
// message does not echo the token.
func expect(t *testing.T, v *idtoken.Validator, raw string, want error, opts ...idtoken.Option) *idtoken.Token {
	t.Helper()
	tok, err := v.Validate(context.Background(), raw, opts...)
	if want == nil {
		if err != nil {
			t.Fatalf("Validate: unexpected error: %v", err)
		}
		if tok == nil {
			t.Fatal("Validate returned neither a token nor an error")
		}
		return tok
	}
	if !errors.Is(err, want) {
		t.Fatalf("Validate error = %v; want %v", err, want)
	}
	if tok != nil {
		t.Fatal("Validate returned a token with an error")
	}
	var ve *token.ValidationError
	if !errors.As(err, &ve) || ve.Reason == "" {
		t.Fatalf("error %v is not a *token.ValidationError with a reason", err)
	}
	if len(raw) > 20 && strings.Contains(err.Error(), raw) {
		t.Fatal("the error message contains the token")
	}
	return nil
}
