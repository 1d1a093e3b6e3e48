package idtoken_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

const bclEvent = "http://schemas.openid.net/event/backchannel-logout"

// loginSentinels are the sentinels the UserInfo client and the logout
// validator may return; each refusal must match exactly one.
var loginSentinels = []error{
	token.ErrMalformed, token.ErrTooLarge, token.ErrUnsupportedAlgorithm, token.ErrKeyMismatch,
	token.ErrCritical, token.ErrKeyNotFound, token.ErrSignature, token.ErrExpired,
	token.ErrNotYetValid, token.ErrIssuedInFuture, token.ErrIssuer, token.ErrAudience,
	token.ErrAuthorizedParty, token.ErrTokenType, token.ErrMissingClaim, token.ErrInvalidClaim,
	token.ErrNonce, token.ErrTokenHash, token.ErrAuthTime, token.ErrACR,
	token.ErrInsufficientScope, token.ErrInactive, token.ErrUnavailable, token.ErrReplay,
	token.ErrSubject, token.ErrTokenRefused,
}

// onlyKind fails unless err matches want and no other sentinel.
func onlyKind(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range loginSentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error %q matches %v as well as %v", err, s, want)
		}
	}
}

// logoutValidator is a LogoutValidator for the fixture's issuer, on the
// fixture's clock, edited by edit.
func (f *fixture) logoutValidator(t testing.TB, edit func(*idtoken.LogoutConfig)) *idtoken.LogoutValidator {
	t.Helper()
	cfg := idtoken.LogoutConfig{
		Issuer:     f.iss.URL(),
		ClientID:   f.iss.ClientID(),
		Keys:       f.iss.KeySource(),
		Algorithms: []string{f.iss.Algorithm()},
		Now:        f.clock.Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	v, err := idtoken.NewLogoutValidator(cfg)
	if err != nil {
		t.Fatalf("NewLogoutValidator: %v", err)
	}
	return v
}

// expectLogout validates raw and checks the outcome as expect does.
func expectLogout(t *testing.T, v *idtoken.LogoutValidator, raw string, want error) *idtoken.LogoutToken {
	t.Helper()
	lt, err := v.Validate(context.Background(), raw)
	checkOutcome(t, err, lt != nil, want, raw)
	return lt
}

// checkOutcome checks what a login helper returned: a result and no error
// when want is nil, otherwise no result and a *token.ValidationError with a
// reason that matches want and no other sentinel, and never shows secret.
func checkOutcome(t *testing.T, err error, gotResult bool, want error, secret string) {
	t.Helper()
	if want == nil {
		if err != nil || !gotResult {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v; want %v", err, want)
	}
	onlyKind(t, err, want)
	if gotResult {
		t.Fatal("a result with an error")
	}
	var ve *token.ValidationError
	if !errors.As(err, &ve) || ve.Reason == "" {
		t.Fatalf("error %v is not a *token.ValidationError with a reason", err)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Fatal("the error message contains the token")
	}
}

func TestLogoutTokenAccepted(t *testing.T) {
	f := newFixture(t)
	v := f.logoutValidator(t, nil)
	raw := f.iss.LogoutToken(tokentest.Claims{"https://example.com/reason": "user logged out", "ignored_claim": 1})
	if idtoken.BackChannelLogoutEvent != bclEvent {
		t.Fatalf("BackChannelLogoutEvent = %q", idtoken.BackChannelLogoutEvent)
	}
	lt := expectLogout(t, v, raw, nil)
	if lt.Issuer != f.iss.URL() || lt.Subject != f.iss.Subject() || lt.SessionID != f.iss.SessionID() ||
		len(lt.Audience) != 1 || lt.Audience[0] != f.iss.ClientID() || lt.ID == "" || lt.Raw != raw ||
		!lt.IssuedAt.Equal(t0) || !lt.ExpiresAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("LogoutToken = %+v", lt)
	}
	var extra struct {
		Reason string `json:"https://example.com/reason"`
	}
	if err := lt.Claims(&extra); err != nil || extra.Reason != "user logged out" {
		t.Fatalf("Claims: %+v, %v", extra, err)
	}
	// The sid of the ID token of the same login, to find the session by.
	id := expect(t, f.validator(t, nil), f.iss.IDToken(nil), nil)
	if id.SessionID != lt.SessionID {
		t.Fatalf("ID token sid %q, logout token sid %q", id.SessionID, lt.SessionID)
	}
}

// TestLogoutOpenIDCertificationRP mirrors the OpenID Foundation's
// relying-party tests of back-channel logout (oidcc-client-test-rp-*), named
// as the suite names them: each token the suite sends, and the verdict it
// expects (200 for the first, 400 for the others).
func TestLogoutOpenIDCertificationRP(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		mint func(iss *tokentest.Issuer) string
		want error
	}{
		{"rp-backchannel-rpinitlogout", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(tokentest.Claims{"ignored_claim": "Logout Tokens MAY contain other Claims."})
		}, nil},
		{"rp-backchannel-rpinitlogout-alg-none", func(iss *tokentest.Issuer) string {
			return strings.Join(strings.Split(iss.LogoutToken(nil, tokentest.WithHeader("alg", "none")), ".")[:2], ".") + "."
		}, token.ErrUnsupportedAlgorithm},
		{"rp-backchannel-rpinitlogout-wrong-alg", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(nil, tokentest.WithHeader("alg", "HS256"))
		}, token.ErrUnsupportedAlgorithm},
		{"rp-backchannel-rpinitlogout-wrong-iss", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(tokentest.Claims{"iss": "https://attacker.example"})
		}, token.ErrIssuer},
		{"rp-backchannel-rpinitlogout-wrong-aud", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(tokentest.Claims{"aud": "some-other-client"})
		}, token.ErrAudience},
		{"rp-backchannel-rpinitlogout-no-event", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(tokentest.Claims{"events": tokentest.Omit})
		}, token.ErrTokenType},
		{"rp-backchannel-rpinitlogout-wrong-event", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(tokentest.Claims{"events": map[string]any{"http://schemas.openid.net/event/foobar": map[string]any{}}})
		}, token.ErrTokenType},
		{"rp-backchannel-rpinitlogout-with-nonce", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(tokentest.Claims{"nonce": "n-0S6_WzA2Mj"})
		}, token.ErrTokenType},
		{"rp-backchannel-rpinitlogout-bad-sig", func(iss *tokentest.Issuer) string {
			return iss.LogoutToken(nil, tokentest.WithSigningKey(other))
		}, token.ErrSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			expectLogout(t, f.logoutValidator(t, nil), tt.mint(f.iss), tt.want)
		})
	}
}

// TestLogoutTokenRules covers Back-Channel Logout §2.4 and §2.6 rule by
// rule, each with the sentinel it is refused with.
func TestLogoutTokenRules(t *testing.T) {
	for _, tt := range []struct {
		name   string
		claims tokentest.Claims
		header map[string]any
		edit   func(*idtoken.LogoutConfig)
		want   error
	}{
		{name: "typ absent", header: map[string]any{"typ": tokentest.Omit}},
		{name: "typ application/logout+jwt", header: map[string]any{"typ": "application/logout+jwt"}},
		{name: "typ in capitals", header: map[string]any{"typ": "Logout+JWT"}},
		{name: "typ JWT", header: map[string]any{"typ": "JWT"}, want: token.ErrTokenType},
		{name: "typ JWT allowed", header: map[string]any{"typ": "JWT"}, edit: func(c *idtoken.LogoutConfig) { c.AllowJWTType = true }},
		{name: "typ at+jwt", header: map[string]any{"typ": "at+jwt"}, want: token.ErrTokenType},
		{name: "typ at+jwt when JWT allowed", header: map[string]any{"typ": "at+jwt"}, edit: func(c *idtoken.LogoutConfig) { c.AllowJWTType = true }, want: token.ErrTokenType},
		{name: "typ secevent+jwt", header: map[string]any{"typ": "secevent+jwt"}, want: token.ErrTokenType},
		{name: "typ a number", header: map[string]any{"typ": 1}, want: token.ErrMalformed},
		{name: "events an array", claims: tokentest.Claims{"events": []string{bclEvent}}, want: token.ErrInvalidClaim},
		{name: "events a string", claims: tokentest.Claims{"events": bclEvent}, want: token.ErrInvalidClaim},
		{name: "event member not an object", claims: tokentest.Claims{"events": map[string]any{bclEvent: true}}, want: token.ErrInvalidClaim},
		{name: "event member with content", claims: tokentest.Claims{"events": map[string]any{bclEvent: map[string]any{"x": 1}}}},
		{name: "event member and another", claims: tokentest.Claims{"events": map[string]any{bclEvent: map[string]any{}, "urn:x": map[string]any{}}}},
		{name: "nonce null", claims: tokentest.Claims{"nonce": nil}, want: token.ErrTokenType},
		{name: "sub only", claims: tokentest.Claims{"sid": tokentest.Omit}},
		{name: "sid only", claims: tokentest.Claims{"sub": tokentest.Omit}},
		{name: "neither sub nor sid", claims: tokentest.Claims{"sub": tokentest.Omit, "sid": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "sid empty", claims: tokentest.Claims{"sid": ""}, want: token.ErrInvalidClaim},
		{name: "sid a number", claims: tokentest.Claims{"sid": 7}, want: token.ErrInvalidClaim},
		{name: "sub empty", claims: tokentest.Claims{"sub": ""}, want: token.ErrInvalidClaim},
		{name: "sub a number", claims: tokentest.Claims{"sub": 7}, want: token.ErrInvalidClaim},
		{name: "sid required and absent", claims: tokentest.Claims{"sid": tokentest.Omit}, edit: func(c *idtoken.LogoutConfig) { c.RequireSessionID = true }, want: token.ErrMissingClaim},
		{name: "sid required and present", edit: func(c *idtoken.LogoutConfig) { c.RequireSessionID = true }},
		{name: "jti missing", claims: tokentest.Claims{"jti": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "jti empty", claims: tokentest.Claims{"jti": ""}, want: token.ErrInvalidClaim},
		{name: "jti a number", claims: tokentest.Claims{"jti": 7}, want: token.ErrInvalidClaim},
		{name: "iat missing", claims: tokentest.Claims{"iat": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "iat in the future", claims: tokentest.Claims{"iat": at(time.Hour)}, want: token.ErrIssuedInFuture},
		{name: "exp missing", claims: tokentest.Claims{"exp": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "exp missing, allowed", claims: tokentest.Claims{"exp": tokentest.Omit}, edit: allowMissingExpiry},
		{name: "exp missing, allowed, older than MaxAge", claims: tokentest.Claims{"exp": tokentest.Omit, "iat": at(-12 * time.Minute)}, edit: allowMissingExpiry, want: token.ErrExpired},
		{name: "exp passed, missing allowed", claims: tokentest.Claims{"iat": at(-5 * time.Minute), "exp": at(-2 * time.Minute)}, edit: allowMissingExpiry, want: token.ErrExpired},
		{name: "typ application/JWT allowed", header: map[string]any{"typ": "application/JWT"}, edit: func(c *idtoken.LogoutConfig) { c.AllowJWTType = true }},
		{name: "typ logout+jwt with a parameter", header: map[string]any{"typ": "logout+jwt; v=1"}, want: token.ErrTokenType},
		{name: "typ logout", header: map[string]any{"typ": "logout"}, want: token.ErrTokenType},
		{name: "crit unknown", header: map[string]any{"crit": []string{"urn:x"}, "urn:x": 1}, want: token.ErrCritical},
		{name: "cty JWT", header: map[string]any{"cty": "JWT"}, want: token.ErrMalformed},
		{name: "event member null", claims: tokentest.Claims{"events": map[string]any{bclEvent: nil}}, want: token.ErrInvalidClaim},
		{name: "event member an array", claims: tokentest.Claims{"events": map[string]any{bclEvent: []string{}}}, want: token.ErrInvalidClaim},
		{name: "events null", claims: tokentest.Claims{"events": nil}, want: token.ErrInvalidClaim},
		{name: "events an empty object", claims: tokentest.Claims{"events": map[string]any{}}, want: token.ErrTokenType},
		{name: "sub null with a sid", claims: tokentest.Claims{"sub": nil}, want: token.ErrInvalidClaim},
		{name: "sid null with a sub", claims: tokentest.Claims{"sid": nil}, want: token.ErrInvalidClaim},
		{name: "both sub and sid", claims: tokentest.Claims{"sub": "u-1", "sid": "s-1"}},
		{name: "nbf ahead", claims: tokentest.Claims{"nbf": at(time.Hour)}, want: token.ErrNotYetValid},
		{name: "Keycloak's typ claim in the payload", claims: tokentest.Claims{"typ": "Logout"}},
		{name: "exp passed", claims: tokentest.Claims{"iat": at(-5 * time.Minute), "exp": at(-2 * time.Minute)}, want: token.ErrExpired},
		{name: "issued longer ago than MaxAge", claims: tokentest.Claims{"iat": at(-12 * time.Minute), "exp": at(time.Hour)}, want: token.ErrExpired},
		{name: "MaxAge none", claims: tokentest.Claims{"iat": at(-12 * time.Minute), "exp": at(time.Hour)}, edit: func(c *idtoken.LogoutConfig) { c.MaxAge = -1 }},
		{name: "MaxAge shorter", claims: tokentest.Claims{"iat": at(-3 * time.Minute)}, edit: func(c *idtoken.LogoutConfig) { c.MaxAge = time.Minute }, want: token.ErrExpired},
		{name: "aud missing", claims: tokentest.Claims{"aud": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "aud empty array", claims: tokentest.Claims{"aud": []string{}}, want: token.ErrAudience},
		{name: "aud an array of the client", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID}}},
		{name: "aud the client and another", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID, "other"}}, want: token.ErrAudience},
		{name: "iss missing", claims: tokentest.Claims{"iss": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "azp the client", claims: tokentest.Claims{"azp": tokentest.DefaultClientID}},
		{name: "azp another client", claims: tokentest.Claims{"azp": "some-other-client"}, want: token.ErrAuthorizedParty},
		{name: "azp a number", claims: tokentest.Claims{"azp": 7}, want: token.ErrInvalidClaim},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var opts []tokentest.MintOption
			for k, v := range tt.header {
				opts = append(opts, tokentest.WithHeader(k, v))
			}
			expectLogout(t, f.logoutValidator(t, tt.edit), f.iss.LogoutToken(tt.claims, opts...), tt.want)
		})
	}
}

// TestLogoutEventNameEscaped: the event's name is compared after JSON
// unescaping, so "http:\/\/..." is the same member.
func TestLogoutEventNameEscaped(t *testing.T) {
	f := newFixture(t)
	payload := `{"iss":"` + f.iss.URL() + `","aud":"` + f.iss.ClientID() + `","sub":"u1","iat":` + itoa(at(0)) + `,"exp":` + itoa(at(time.Minute)) +
		`,"jti":"j1","events":{"http:\/\/schemas.openid.net\/event\/backchannel-logout":{}}}`
	raw := f.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+f.iss.KeyID()+`","typ":"logout+jwt"}`), []byte(payload))
	expectLogout(t, f.logoutValidator(t, nil), raw, nil)
}

// TestLogoutRefusesOtherTokens: an ID token or an access token is never a
// logout token, however it is typed or addressed.
func TestLogoutRefusesOtherTokens(t *testing.T) {
	f := newFixture(t)
	v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.AllowJWTType = true })
	for name, raw := range map[string]string{
		"ID token":                      f.iss.IDToken(nil),
		"ID token with nonce":           f.iss.IDToken(tokentest.Claims{"nonce": "n"}),
		"ID token untyped":              f.iss.IDToken(nil, tokentest.WithHeader("typ", tokentest.Omit)),
		"ID token with a jti":           f.iss.IDToken(tokentest.Claims{"jti": "j1"}),
		"access token for the client":   f.iss.AccessToken(tokentest.Claims{"aud": f.iss.ClientID()}),
		"access token":                  f.iss.AccessToken(nil),
		"RFC 9068 access token":         f.iss.AccessToken(tokentest.Claims{"aud": f.iss.ClientID()}, tokentest.AtJWT()),
		"ID token typed as logout":      f.iss.IDToken(nil, tokentest.WithHeader("typ", "logout+jwt")),
		"access token typed as logout":  f.iss.AccessToken(tokentest.Claims{"aud": f.iss.ClientID(), "sid": "s"}, tokentest.WithHeader("typ", "logout+jwt")),
		"another security event token":  f.iss.LogoutToken(tokentest.Claims{"events": map[string]any{"https://schemas.openid.net/secevent/risc/event-type/account-disabled": map[string]any{}}}, tokentest.WithHeader("typ", "secevent+jwt")),
		"ID token with an empty events": f.iss.IDToken(tokentest.Claims{"events": map[string]any{}}),
	} {
		t.Run(name, func(t *testing.T) {
			expectLogout(t, v, raw, token.ErrTokenType)
		})
	}
}

// TestIDTokenValidatorRefusesLogoutTokens: the other direction, however
// the logout token is typed.
func TestIDTokenValidatorRefusesLogoutTokens(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, nil)
	for name, raw := range map[string]string{
		"typed logout+jwt": f.iss.LogoutToken(nil),
		"untyped":          f.iss.LogoutToken(nil, tokentest.WithHeader("typ", tokentest.Omit)),
		"typed JWT":        f.iss.LogoutToken(nil, tokentest.WithHeader("typ", "JWT")),
		"with a nonce":     f.iss.LogoutToken(tokentest.Claims{"nonce": "n"}, tokentest.WithHeader("typ", "JWT")),
	} {
		t.Run(name, func(t *testing.T) {
			expect(t, v, raw, token.ErrTokenType)
		})
	}
}

// allowMissingExpiry accepts logout tokens without exp, as Ory Hydra,
// Authentik before 2025.8.2 and Keycloak before 23.0.4 send them.
func allowMissingExpiry(c *idtoken.LogoutConfig) { c.AllowMissingExpiry = true }

// TestLogoutWithoutExpiry: a logout token without exp, accepted on
// request, is bounded by MaxAge, and its jti remembered as long.
func TestLogoutWithoutExpiry(t *testing.T) {
	f := newFixture(t)
	store := &recordingStore{}
	v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) { allowMissingExpiry(c); c.Replay = store })
	raw := f.iss.LogoutToken(tokentest.Claims{"exp": tokentest.Omit})
	lt := expectLogout(t, v, raw, nil)
	if !lt.ExpiresAt.IsZero() || !lt.IssuedAt.Equal(t0) {
		t.Fatalf("ExpiresAt %v, IssuedAt %v", lt.ExpiresAt, lt.IssuedAt)
	}
	// A second past the last instant it could pass, as for every token.
	if len(store.expires) != 1 || !store.expires[0].Equal(t0.Add(11*time.Minute+time.Second)) {
		t.Fatalf("remembered until %v; want iat plus MaxAge plus leeway plus a second, %v", store.expires, t0.Add(11*time.Minute+time.Second))
	}
	// Replayed within that time, it is refused.
	v = f.logoutValidator(t, allowMissingExpiry)
	expectLogout(t, v, raw, nil)
	f.clock.Advance(9 * time.Minute)
	expectLogout(t, v, raw, token.ErrReplay)
	f.clock.Advance(3 * time.Minute)
	expectLogout(t, v, raw, token.ErrExpired)
	// Without a MaxAge nothing would bound it: refused at construction.
	_, err := idtoken.NewLogoutValidator(idtoken.LogoutConfig{Issuer: f.iss.URL(), ClientID: f.iss.ClientID(), Keys: f.iss.KeySource(),
		AllowMissingExpiry: true, MaxAge: -1})
	if err == nil || !strings.Contains(err.Error(), "MaxAge") {
		t.Fatalf("AllowMissingExpiry with no MaxAge: %v", err)
	}
}

// TestLogoutReplaySharedStore: one store serves validators of several
// issuers; the same jti from two issuers is two tokens, and each is a
// replay only at its own issuer.
func TestLogoutReplaySharedStore(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	store := &token.MemoryReplayStore{Now: a.clock.Now}
	va := a.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.Replay = store })
	vb := b.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.Replay = store })
	ra := a.iss.LogoutToken(tokentest.Claims{"jti": "same-jti"})
	rb := b.iss.LogoutToken(tokentest.Claims{"jti": "same-jti"})
	expectLogout(t, va, ra, nil)
	expectLogout(t, vb, rb, nil)
	expectLogout(t, va, a.iss.LogoutToken(tokentest.Claims{"jti": "same-jti"}), token.ErrReplay)
	expectLogout(t, vb, rb, token.ErrReplay)
}

func TestLogoutReplay(t *testing.T) {
	f := newFixture(t)
	v := f.logoutValidator(t, nil)
	raw := f.iss.LogoutToken(nil)
	expectLogout(t, v, raw, nil)
	expectLogout(t, v, raw, token.ErrReplay)
	// Another token with the same jti, from the same issuer, is a replay too.
	expectLogout(t, v, f.iss.LogoutToken(tokentest.Claims{"jti": "j-1"}), nil)
	expectLogout(t, v, f.iss.LogoutToken(tokentest.Claims{"jti": "j-1", "sid": tokentest.Omit}), token.ErrReplay)
	// Once the token has expired it is refused as expired, and forgotten.
	f.clock.Advance(3*time.Minute + time.Second)
	expectLogout(t, v, raw, token.ErrExpired)
	// A refused token spends no jti.
	fresh := f.iss.LogoutToken(tokentest.Claims{"jti": "j-2"})
	expectLogout(t, f.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.ClientID = "other" }), fresh, token.ErrAudience)
	expectLogout(t, v, fresh, nil)
}

// recordingStore is a ReplayStore that records what it is asked and
// answers err.
type recordingStore struct {
	keys    []string
	expires []time.Time
	err     error
}

func (s *recordingStore) Use(_ context.Context, key string, expires time.Time) error {
	s.keys = append(s.keys, key)
	s.expires = append(s.expires, expires)
	return s.err
}

func TestLogoutReplayStore(t *testing.T) {
	t.Run("remembered until the token could no longer pass", func(t *testing.T) {
		f := newFixture(t)
		store := &recordingStore{}
		v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.Replay = store })
		expectLogout(t, v, f.iss.LogoutToken(tokentest.Claims{"jti": "j1"}), nil)
		// exp (two minutes) plus the leeway, and a second past that last
		// instant, so that a replay at that very instant is still caught.
		if len(store.expires) != 1 || !store.expires[0].Equal(t0.Add(3*time.Minute+time.Second)) {
			t.Fatalf("expires = %v; want %v", store.expires, t0.Add(3*time.Minute+time.Second))
		}
		// A long exp is cut to iat plus MaxAge plus the leeway.
		expectLogout(t, v, f.iss.LogoutToken(tokentest.Claims{"jti": "j2", "exp": at(24 * time.Hour)}), nil)
		if !store.expires[1].Equal(t0.Add(11*time.Minute + time.Second)) {
			t.Fatalf("expires = %v; want %v", store.expires[1], t0.Add(11*time.Minute+time.Second))
		}
		if store.keys[0] == store.keys[1] || !strings.Contains(store.keys[0], "j1") || !strings.Contains(store.keys[0], f.iss.URL()) {
			t.Fatalf("keys = %q", store.keys)
		}
	})
	t.Run("a failing store is an outage", func(t *testing.T) {
		f := newFixture(t)
		for _, err := range []error{
			token.Errorf(token.ErrUnavailable, "", "the store is down"),
			errors.New("connection refused"),
		} {
			v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.Replay = &recordingStore{err: err} })
			expectLogout(t, v, f.iss.LogoutToken(nil), token.ErrUnavailable)
		}
	})
	t.Run("the store's verdict", func(t *testing.T) {
		f := newFixture(t)
		v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) {
			c.Replay = &recordingStore{err: token.Errorf(token.ErrReplay, "jti", "seen on another replica")}
		})
		expectLogout(t, v, f.iss.LogoutToken(nil), token.ErrReplay)
	})
	t.Run("consulted only once everything else passed", func(t *testing.T) {
		f := newFixture(t)
		store := &recordingStore{}
		v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.Replay = store })
		expectLogout(t, v, f.iss.LogoutToken(tokentest.Claims{"nonce": "n"}), token.ErrTokenType)
		expectLogout(t, v, f.iss.IDToken(nil), token.ErrTokenType)
		if len(store.keys) != 0 {
			t.Fatalf("the store was asked about refused tokens: %q", store.keys)
		}
	})
}

func TestNewLogoutValidatorConfig(t *testing.T) {
	f := newFixture(t)
	for name, edit := range map[string]func(*idtoken.LogoutConfig){
		"no issuer":             func(c *idtoken.LogoutConfig) { c.Issuer = "" },
		"no client ID":          func(c *idtoken.LogoutConfig) { c.ClientID = "" },
		"no keys":               func(c *idtoken.LogoutConfig) { c.Keys = nil },
		"negative token size":   func(c *idtoken.LogoutConfig) { c.MaxTokenSize = -1 },
		"alg none":              func(c *idtoken.LogoutConfig) { c.Algorithms = []string{"none"} },
		"empty algorithms list": func(c *idtoken.LogoutConfig) { c.Algorithms = []string{} },
	} {
		cfg := idtoken.LogoutConfig{Issuer: f.iss.URL(), ClientID: f.iss.ClientID(), Keys: f.iss.KeySource()}
		edit(&cfg)
		if _, err := idtoken.NewLogoutValidator(cfg); err == nil {
			t.Errorf("%s: NewLogoutValidator accepted %+v", name, cfg)
		}
	}
}
