package idtoken

import (
	"context"
	"errors"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// BackChannelLogoutEvent is the member of a logout token's events claim
// that declares it a back-channel logout token (OpenID Connect Back-Channel
// Logout 1.0 §2.4).
const BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// DefaultLogoutMaxAge is how long after its iat a logout token is accepted
// when LogoutConfig.MaxAge is zero. Providers send a logout token as soon as
// they mint it (the specification advises a lifetime of two minutes at
// most); the bound also bounds how long its jti must be remembered.
const DefaultLogoutMaxAge = 10 * time.Minute

// LogoutConfig configures a LogoutValidator. Issuer, ClientID and Keys are
// required; every other field follows package token's rule for
// configuration values: zero is the safe default, and a negative number
// means "none" where a field says so and is an error elsewhere.
type LogoutConfig struct {
	// Issuer is the OpenID Provider's issuer identifier, compared exactly
	// with the logout token's iss.
	Issuer string
	// ClientID is this application's client ID: the logout token's aud
	// must contain it and nothing else.
	ClientID string
	// Keys supplies the provider's keys: the same key source as the ID
	// token Validator's, since logout tokens are signed like ID tokens.
	Keys token.KeySource
	// Algorithms is the allow-list of JWS algorithms. Nil means ["RS256"].
	Algorithms []string
	// Replay remembers the jti of every logout token accepted, until the
	// token could no longer be accepted anyway, so that a token presented
	// again is refused with token.ErrReplay. Nil means a
	// token.MemoryReplayStore of the validator's own (bounded, one
	// process); a fleet of servers shares one store.
	Replay token.ReplayStore
	// MaxAge refuses a logout token issued (iat) longer than MaxAge plus
	// Leeway ago, with token.ErrExpired, whatever its exp says. Zero means
	// DefaultLogoutMaxAge (10 minutes); a negative value means no limit
	// beyond exp.
	MaxAge time.Duration
	// RequireSessionID refuses a logout token without sid, with
	// token.ErrMissingClaim: set it when the client registered
	// backchannel_logout_session_required.
	RequireSessionID bool
	// AllowJWTType accepts a header typ of "JWT" (or "application/JWT"),
	// which some providers put on logout tokens (Keycloak before 25, Ory
	// Hydra), as if typ were absent. By default a typ other than logout+jwt
	// is refused with token.ErrTokenType.
	AllowJWTType bool
	// AllowMissingExpiry accepts a logout token without exp, which
	// Back-Channel Logout 1.0 requires but some providers leave out (Ory
	// Hydra, Authentik before 2025.8.2, Keycloak before 23.0.4). Such a
	// token is then bounded by MaxAge alone, which must not be negative. An
	// exp that is present is still checked.
	AllowMissingExpiry bool
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means
	// token.DefaultLeeway (one minute); a negative value means none.
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// MaxTokenSize bounds the raw token's length in bytes, checked before
	// any decoding. Zero means token.DefaultMaxTokenSize (16 KiB); a
	// negative value is an error.
	MaxTokenSize int
}

// LogoutValidator validates back-channel logout tokens (OpenID Connect
// Back-Channel Logout 1.0) for one client of one OpenID Provider, and
// nothing else: an ID token, an access token or another security event token
// is refused with token.ErrTokenType. Build it with NewLogoutValidator; it
// is safe for concurrent use. A nil or zero LogoutValidator refuses every
// token with token.ErrUnavailable.
type LogoutValidator struct {
	verifier  *token.Verifier
	clientID  string
	replay    token.ReplayStore
	maxAge    time.Duration
	leeway    time.Duration
	now       func() time.Time
	requireID bool
}

// NewLogoutValidator checks cfg and returns a LogoutValidator. It returns
// an error when Issuer, ClientID or Keys is missing, MaxTokenSize is
// negative, or Algorithms names an algorithm that is not supported.
func NewLogoutValidator(cfg LogoutConfig) (*LogoutValidator, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("idtoken: LogoutConfig.Issuer is required")
	case cfg.ClientID == "":
		return nil, errors.New("idtoken: LogoutConfig.ClientID is required")
	case cfg.Keys == nil:
		return nil, errors.New("idtoken: LogoutConfig.Keys is required")
	}
	set, err := settings.ResolveValidation("idtoken: LogoutConfig", cfg.Leeway, cfg.Now, cfg.MaxTokenSize)
	if err != nil {
		return nil, err
	}
	maxAge := settings.OrNone(cfg.MaxAge, DefaultLogoutMaxAge)
	if cfg.AllowMissingExpiry && maxAge <= 0 {
		return nil, errors.New("idtoken: LogoutConfig.AllowMissingExpiry needs a MaxAge: without exp or MaxAge nothing would bound how long a logout token passes, nor how long its jti is remembered")
	}
	allowJWT := cfg.AllowJWTType
	ver, err := newVerifier(token.VerifierConfig{
		Issuer:          cfg.Issuer,
		Keys:            cfg.Keys,
		Algorithms:      cfg.Algorithms,
		Leeway:          cfg.Leeway, // resolved by the same rule as set's
		Now:             cfg.Now,
		MaxTokenSize:    cfg.MaxTokenSize,
		RequireIssuedAt: true, // Back-Channel Logout §2.4: iat is REQUIRED
		ExpiryOptional:  cfg.AllowMissingExpiry,
		CheckHeader:     func(h *token.Header) error { return checkLogoutType(h, allowJWT) },
	})
	if err != nil {
		return nil, err
	}
	replay := cfg.Replay
	if replay == nil {
		replay = &token.MemoryReplayStore{Now: set.Now}
	}
	return &LogoutValidator{
		verifier:  ver,
		clientID:  cfg.ClientID,
		replay:    replay,
		maxAge:    maxAge,
		leeway:    set.Leeway,
		now:       set.Now,
		requireID: cfg.RequireSessionID,
	}, nil
}

// LogoutToken is a validated back-channel logout token: the provider asks
// the application to end the sessions of Subject at Issuer, or the one
// session SessionID, or both. At least one of Subject and SessionID is set.
//
// The fields it shares with Token (Issuer through ID, and Raw) have the same
// names, order and meaning.
type LogoutToken struct {
	// Issuer is iss, the configured issuer.
	Issuer string
	// Subject is sub: end every session of this user at Issuer. Empty when
	// the token names only a session.
	Subject string
	// Audience is aud: the client ID.
	Audience []string
	// ExpiresAt is exp, always present unless
	// LogoutConfig.AllowMissingExpiry let a token without one pass (then
	// zero); IssuedAt is iat, always present; NotBefore is nbf, zero when
	// absent.
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	// ID is jti, unique per logout token and always present; the validator
	// refused the token if it had seen the jti before.
	ID string

	// SessionID is sid: end this session, the sid of the ID token that
	// started it. Empty when the token names only a user.
	SessionID string

	// Raw is the token as presented.
	Raw string

	claims *token.Claims
}

// Claims decodes the token's whole claims set into v, a pointer to a struct
// or a map, for claims beyond the ones above, as Token.Claims does: names
// match exactly, and a JSON type that does not fit is an error matching
// token.ErrInvalidClaim. On a LogoutToken not made by a LogoutValidator it
// decodes nothing and returns nil.
func (t *LogoutToken) Claims(v any) error {
	if t == nil || t.claims == nil {
		return nil
	}
	return t.claims.Decode(v)
}

// Validate checks raw as a back-channel logout token for this client
// (OpenID Connect Back-Channel Logout 1.0 §2.6) and returns what it asks to
// end. Every error matches one sentinel of package token:
//
//   - the shared pipeline, as for an ID token (OIDC Core §3.1.3.7): size,
//     form, algorithm, signature, iss, exp, nbf and iat, iat required and
//     exp too unless LogoutConfig.AllowMissingExpiry is set;
//   - a header typ other than logout+jwt (with or without "application/";
//     "JWT" too with LogoutConfig.AllowJWTType), checked before any key is
//     looked up: token.ErrTokenType;
//   - no events claim, or one without the back-channel logout member: the
//     token is another kind of JWT (an ID token, an access token, another
//     security event), token.ErrTokenType; an events claim or member that
//     is not a JSON object: token.ErrInvalidClaim;
//   - a nonce claim, which marks an ID token: token.ErrTokenType;
//   - aud missing (token.ErrMissingClaim), or not exactly the client ID
//     (token.ErrAudience); an azp other than the client ID
//     (token.ErrAuthorizedParty), as for an ID token;
//   - neither sub nor sid, or no sid with LogoutConfig.RequireSessionID, or
//     no jti: token.ErrMissingClaim; one of them empty or not a string:
//     token.ErrInvalidClaim;
//   - issued longer than LogoutConfig.MaxAge plus the leeway ago:
//     token.ErrExpired;
//   - its jti already used, within the token's lifetime: token.ErrReplay.
//     The replay store is consulted last, once everything else passed; a
//     store that fails gives token.ErrUnavailable.
func (v *LogoutValidator) Validate(ctx context.Context, raw string) (*LogoutToken, error) {
	if v == nil || v.verifier == nil {
		return nil, token.Errorf(token.ErrUnavailable, "", "the logout token validator is not configured; build it with idtoken.NewLogoutValidator")
	}
	ver, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	c := &ver.Claims
	if err := checkLogoutEvents(c); err != nil {
		return nil, err
	}
	if c.Has("nonce") {
		return nil, token.Errorf(token.ErrTokenType, "nonce", "the token carries nonce, which a logout token must not (Back-Channel Logout §2.4): it is shaped as an ID token")
	}
	if err := v.checkAudience(c); err != nil {
		return nil, err
	}
	sid, hasSID, err := c.GetString("sid")
	if err != nil {
		return nil, err
	}
	switch {
	case hasSID && sid == "":
		return nil, token.Errorf(token.ErrInvalidClaim, "sid", "sid is empty; it must name the session to end")
	case c.Has("sub") && c.Subject == "":
		return nil, token.Errorf(token.ErrInvalidClaim, "sub", "sub is empty; it must name the user whose sessions end")
	case !hasSID && c.Subject == "":
		return nil, token.Errorf(token.ErrMissingClaim, "sub", "the logout token has neither sub nor sid; it must name a user, a session or both (Back-Channel Logout §2.4)")
	case !hasSID && v.requireID:
		return nil, token.Errorf(token.ErrMissingClaim, "sid", "the logout token has no sid; LogoutConfig.RequireSessionID demands one")
	}
	if c.ID == "" {
		if !c.Has("jti") {
			return nil, token.Errorf(token.ErrMissingClaim, "jti", "the logout token has no jti; it is required (Back-Channel Logout §2.4)")
		}
		return nil, token.Errorf(token.ErrInvalidClaim, "jti", "jti is empty; it must identify the logout token")
	}
	now := v.now()
	var remember time.Time // when the token can no longer pass
	if c.Has("exp") {
		remember = c.ExpiresAt.Add(v.leeway)
	}
	if v.maxAge > 0 {
		if age := now.Sub(c.IssuedAt); age > v.maxAge+v.leeway {
			return nil, token.Errorf(token.ErrExpired, "iat", "the logout token was issued %s ago; at most %s (plus %s leeway) is accepted (LogoutConfig.MaxAge)",
				age.Round(time.Second), v.maxAge, v.leeway)
		}
		if limit := c.IssuedAt.Add(v.maxAge + v.leeway); remember.IsZero() || limit.Before(remember) {
			remember = limit
		}
	}
	// A second past the last instant the token can pass: the store reads
	// its own clock after this one, and at that very instant the first use
	// must still be recorded, as DPoP's proofs are.
	if err := v.replay.Use(ctx, replayKey(c.Issuer, c.ID), remember.Add(time.Second)); err != nil {
		return nil, replayError(err)
	}
	return &LogoutToken{
		Issuer:    c.Issuer,
		Subject:   c.Subject,
		Audience:  c.Audience,
		ExpiresAt: c.ExpiresAt,
		IssuedAt:  c.IssuedAt,
		NotBefore: c.NotBefore,
		ID:        c.ID,
		SessionID: sid,
		Raw:       raw,
		claims:    c,
	}, nil
}

// checkAudience requires aud to be the client ID and nothing else, and azp,
// when present, to be the client ID, as the ID token rule does by default
// (§2.6 step 4 refers to it).
func (v *LogoutValidator) checkAudience(c *token.Claims) error {
	if !c.Has("aud") {
		return token.Errorf(token.ErrMissingClaim, "aud", "the logout token has no audience; aud must be the client ID %q", v.clientID)
	}
	found := false
	for _, a := range c.Audience {
		if a != v.clientID {
			return token.Errorf(token.ErrAudience, "aud", "aud names %q; a logout token for this client names only the client ID %q", excerpt.Of(a), v.clientID)
		}
		found = true
	}
	if !found {
		return token.Errorf(token.ErrAudience, "aud", "aud is empty; it must be the client ID %q", v.clientID)
	}
	// azp is part of the ID token's audience rule (OIDC Core §3.1.3.7):
	// when present it must name this client.
	azp, hasAZP, err := c.GetString("azp")
	if err != nil {
		return err
	}
	if hasAZP && azp != v.clientID {
		return token.Errorf(token.ErrAuthorizedParty, "azp", "azp is %q; a logout token for this client names only the client ID %q", excerpt.Of(azp), v.clientID)
	}
	return nil
}

// replayKey is the replay store's key of a logout token: its issuer and
// jti, under a prefix of its own, so that a store shared with DPoP proofs
// or several issuers never confuses identifiers.
func replayKey(issuer, jti string) string {
	return "backchannel-logout\x00" + issuer + "\x00" + jti
}

// replayError makes sure what the store returned matches a sentinel: a
// store of the caller's that returns a bare error is an outage.
func replayError(err error) error {
	if errors.Is(err, token.ErrReplay) || errors.Is(err, token.ErrUnavailable) {
		return err
	}
	return &token.ValidationError{Kind: token.ErrUnavailable, Claim: "jti", Reason: "the replay store failed", Err: err}
}

// checkLogoutType refuses a header typ other than logout+jwt (RFC 8725 §3.11
// explicit typing; Back-Channel Logout §2.4), so that another kind of JWT
// costs no key lookup.
func checkLogoutType(h *token.Header, allowJWT bool) error {
	typ := h.Type
	if typ == "" || token.MediaTypeIs(typ, "logout+jwt") || (allowJWT && token.MediaTypeIs(typ, "JWT")) {
		return nil
	}
	return token.Errorf(token.ErrTokenType, "header.typ", "typ is %q; a logout token is typed logout+jwt", excerpt.Of(typ))
}

// checkLogoutEvents requires the events claim of §2.4: a JSON object with
// the back-channel logout member, whose value is a JSON object.
func checkLogoutEvents(c *token.Claims) error {
	raw, ok := c.RawJSON("events")
	if !ok {
		return token.Errorf(token.ErrTokenType, "events", "the token has no events claim: it is not a logout token (an ID token or an access token?)")
	}
	members, err := strictjson.ParseObject([]byte(raw), token.MaxClaimsDepth, nil)
	if err != nil {
		return token.Errorf(token.ErrInvalidClaim, "events", "events must be a JSON object; found %s", strictjson.Kind(raw))
	}
	for _, m := range members {
		if string(m.Name) != BackChannelLogoutEvent {
			continue
		}
		if strictjson.Kind(string(m.Value)) != "an object" {
			return token.Errorf(token.ErrInvalidClaim, "events", "the back-channel logout event must be a JSON object; found %s", strictjson.Kind(string(m.Value)))
		}
		return nil
	}
	return token.Errorf(token.ErrTokenType, "events", "events does not contain %s: the token is a security event of another kind, not a logout token", BackChannelLogoutEvent)
}
