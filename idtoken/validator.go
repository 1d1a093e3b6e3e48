package idtoken

import (
	"context"
	"crypto/subtle"
	"slices"
	"strconv"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/token"
)

// Validator validates ID tokens for one client of one OpenID Provider. Build
// it with NewValidator; it is safe for concurrent use and holds no
// goroutines, so it needs no Close. A nil or zero Validator refuses every
// token with token.ErrUnavailable: the fault is the program's, not the
// token's.
type Validator struct {
	verifier *token.Verifier
	clientID string
	// expectClient is expectClient(clientID), made once: audience
	// refusals, made before the signature, name it.
	expectClient string
	clients      map[string]string // issuers with a client ID of their own; nil when none
	require      []token.Requirement
	check        func(context.Context, *Token) error
	trusted      audienceSet
	maxAge       time.Duration
	leeway       time.Duration
	now          func() time.Time
	maxSize      int
	cache        *tokencache.Cache[cached] // nil when Config.CacheSize is negative; see cache.go
	auds         audApprovals              // long aud arrays accepted before; see audmemo.go
}

// NewValidator checks cfg and returns a Validator. It returns an error when
// no issuer is configured, Issuer lacks Keys, an entry of Issuers lacks its
// issuer or keys or repeats another, ClientID is missing where an issuer
// needs it, MaxAge or MaxTokenSize is negative, or Algorithms names an
// algorithm that is not supported (such as "none") or is empty but not nil.
// It makes no network request.
func NewValidator(cfg Config) (*Validator, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	set, err := settings.ResolveValidation("idtoken: Config", cfg.Leeway, cfg.Now, cfg.MaxTokenSize)
	if err != nil {
		return nil, err
	}
	var routes map[string]token.KeySource
	var clients map[string]string
	for _, is := range cfg.Issuers {
		if routes == nil {
			routes = make(map[string]token.KeySource, len(cfg.Issuers))
		}
		routes[is.Issuer] = is.Keys
		if is.ClientID != "" && is.ClientID != cfg.ClientID {
			if clients == nil {
				clients = make(map[string]string)
			}
			clients[is.Issuer] = is.ClientID
		}
	}
	v := &Validator{
		clientID:     cfg.ClientID,
		expectClient: expectClient(cfg.ClientID),
		clients:      clients,
		require:      slices.Clone(cfg.Require),
		check:        cfg.Check,
		trusted:      newAudienceSet(cfg.TrustedAudiences),
		maxAge:       cfg.MaxAge,
		leeway:       set.Leeway,
		now:          set.Now,
		maxSize:      set.MaxTokenSize,
	}
	ver, err := newVerifier(token.VerifierConfig{
		Issuer:          cfg.Issuer,
		Keys:            cfg.Keys,
		Issuers:         routes,
		IssuerKeys:      cfg.IssuerKeys,
		Algorithms:      cfg.Algorithms,
		Leeway:          cfg.Leeway, // resolved by the same rule as set's
		Now:             cfg.Now,
		MaxTokenSize:    cfg.MaxTokenSize,
		RequireIssuedAt: true, // OIDC Core §2: iat is REQUIRED
		CheckHeader:     checkHeaderType,
		CheckClaims:     v.checkBeforeSignature,
	})
	if err != nil {
		return nil, err
	}
	v.verifier = ver
	if size := settings.OrNone(cfg.CacheSize, DefaultCacheSize); size > 0 {
		v.cache = tokencache.New(size, v.keyLive)
	}
	return v, nil
}

// Validate checks raw as an ID token for this client, following OpenID
// Connect Core §3.1.3.7, and returns its claims. Every error matches one of
// the sentinels of package token with errors.Is:
//
//   - the shared pipeline (token.Verifier): size (ErrTooLarge); compact JWS
//     form, strict base64url and JSON (ErrMalformed); alg on the allow-list
//     (ErrUnsupportedAlgorithm); unknown crit (ErrCritical); iss exactly the
//     issuer (ErrIssuer, ErrMissingClaim when absent); the key by kid
//     (ErrKeyNotFound, ErrKeyMismatch, ErrUnavailable when the key source
//     cannot answer); the signature (ErrSignature); exp required and not
//     passed, nbf and iat not in the future, within the leeway (ErrExpired,
//     ErrNotYetValid, ErrIssuedInFuture, ErrMissingClaim);
//   - iat required (ErrMissingClaim) and, with Config.MaxAge, not older than
//     MaxAge plus the leeway (ErrExpired);
//   - not another kind of token: a header typ such as at+jwt, or access token
//     claims such as client_id or scp (ErrTokenType; see the package
//     documentation for the exact list);
//   - sub present and not empty (ErrMissingClaim, ErrInvalidClaim);
//   - aud contains ClientID and nothing but ClientID and TrustedAudiences
//     (ErrAudience; ErrMissingClaim when absent);
//   - with several audiences, azp present; any azp equal to ClientID
//     (ErrAuthorizedParty);
//   - the typed claims of Token of their JSON types (ErrInvalidClaim);
//   - the checks opts add: WithNonce (ErrNonce), WithAccessToken and
//     WithCode (ErrTokenHash), WithMaxAge (ErrAuthTime), WithACR (ErrACR);
//   - Config.Require (ErrInsufficientScope) and Config.Check (see
//     token.CheckFailed).
//
// A token this validator verified before, and which is still in its cache,
// skips the signature and the rules that cannot change (Config.Require
// among them); exp, Config.MaxAge, every option and Config.Check are
// checked again on each call.
func (v *Validator) Validate(ctx context.Context, raw string, opts ...Option) (*Token, error) {
	if v == nil || v.verifier == nil {
		return nil, token.Errorf(token.ErrUnavailable, "", "the ID token validator is not configured; build it with idtoken.NewValidator")
	}
	var c checks
	for _, o := range opts {
		c.add(o)
	}
	now, leeway := v.now(), v.leeway
	if out, ok := v.lookup(ctx, raw, now); ok {
		// The cache checked the deadline; nbf and iat are checked again
		// too, so a clock that moved back cannot make a hit of a token
		// Verify would refuse now.
		if err := token.CheckTimeClaims(out.ExpiresAt, out.NotBefore, out.IssuedAt, now, leeway, true); err != nil {
			return nil, err
		}
		if err := v.checkMaxAge(out, now, leeway); err != nil {
			return nil, err
		}
		// The hash checks read the claims again from the raw token, which
		// the caller's Token carries.
		if err := c.run(out, now, leeway); err != nil {
			return nil, err
		}
		return v.authorize(ctx, out)
	}

	// The Token and the pipeline's Verified, which holds the claims the
	// Token reads, are allocated together: one allocation, not two.
	r, err := token.VerifyFor[Token](ctx, v.verifier, raw)
	if err != nil {
		return nil, err
	}
	verified, t := &r.Verified, &r.Value
	if err := v.accept(verified, t); err != nil {
		return nil, err
	}
	if err := token.CheckAll(t.claims, v.require); err != nil {
		return nil, err
	}
	if err := v.checkMaxAge(t, now, leeway); err != nil {
		return nil, err
	}
	if err := c.run(t, now, leeway); err != nil {
		return nil, err
	}
	if v.cache != nil {
		// The caller gets t; the cache keeps its packed copy.
		v.remember(t, verified, now)
	}
	return v.authorize(ctx, t)
}

// authorize runs Config.Check, on every call, cache hits included.
func (v *Validator) authorize(ctx context.Context, t *Token) (*Token, error) {
	if v.check == nil {
		return t, nil
	}
	if err := token.CheckFailed(v.check(ctx, t)); err != nil {
		return nil, err
	}
	return t, nil
}

// checkBeforeSignature is the pipeline's CheckClaims hook: the audience
// rules, which need no signature, so that a token for another client costs
// a fraction of a verification. When the audience is wrong, the rules that
// come before it in accept are applied first, so the token is refused with
// the sentinel it would have met after the signature (an access token sent
// here is ErrTokenType, whatever its audience). Nothing it says quotes the
// unverified claims.
func (v *Validator) checkBeforeSignature(_ *token.Header, c *token.Claims) error {
	// The pipeline routed the token by its issuer first, so iss is a
	// trusted issuer here and names the client ID to expect.
	err := v.checkAudience(c, v.clientFor(c.Issuer))
	if err == nil {
		return nil
	}
	f := find(c)
	if e := checkNotOtherToken(&f); e != nil {
		return e
	}
	if e := checkSubject(c, &f); e != nil {
		return e
	}
	return err
}

// accept applies the rules that depend only on the token and the
// configuration, so that their result may be cached, and fills t, a new
// (zero) Token.
func (v *Validator) accept(verified *token.Verified, t *Token) error {
	c := &verified.Claims
	// One walk over the members notes every claim the rules and the typed
	// fields read; they then read them in a fixed order, so that a token
	// with several bad claims always meets the same refusal first.
	f := find(c)
	if err := checkNotOtherToken(&f); err != nil {
		return err
	}
	if err := checkSubject(c, &f); err != nil {
		return err
	}
	// The pipeline checked the audience (checkBeforeSignature); azp is
	// required when aud names anyone besides the client.
	clientID := v.clientFor(c.Issuer)
	multiple := false
	for _, a := range c.Audience {
		if a != clientID {
			multiple = true
			break
		}
	}
	// t is new and zero: its fields are set in place, where assigning a
	// Token literal would copy all of its 600-odd bytes, under the
	// collector's bulk barrier while a collection runs.
	t.Issuer, t.Subject, t.Audience, t.ID = c.Issuer, c.Subject, c.Audience, c.ID
	t.ExpiresAt, t.IssuedAt, t.NotBefore = c.ExpiresAt, c.IssuedAt, c.NotBefore
	t.Raw, t.claims, t.alg = verified.Raw, c, verified.Header.Algorithm
	if err := t.readClaims(&f); err != nil {
		return err
	}
	if t.AuthorizedParty != clientID {
		if f.has(claimAZP) {
			return token.Errorf(token.ErrAuthorizedParty, "azp", "azp is %q, not this client's ID", excerpt.Of(t.AuthorizedParty)).WithDetail("expected the client ID %q", clientID)
		}
		if multiple {
			return token.Errorf(token.ErrAuthorizedParty, "azp", "the token has %d audiences but no azp; azp must name this client's ID", len(c.Audience)).WithDetail("expected the client ID %q", clientID)
		}
	}
	if len(c.Audience) >= minApprovedAudiences {
		if text, ok := c.RawJSON("aud"); ok {
			v.auds.remember(clientID, text)
		}
	}
	return nil
}

// checkSubject requires sub, not empty; f tells absent from empty.
func checkSubject(c *token.Claims, f *found) error {
	if c.Subject == "" {
		if !f.has(claimSub) {
			return token.Errorf(token.ErrMissingClaim, "sub", "the token has no subject; sub is required")
		}
		return token.Errorf(token.ErrInvalidClaim, "sub", "sub is empty; it must identify the user")
	}
	return nil
}

// checkAudience applies OIDC Core §3.1.3.7 rule 3: aud contains the client
// ID (clientID, this application's at the token's issuer), and any other
// audience is one the configuration trusts. It runs before the signature,
// so its messages do not quote the token's audiences. Its cost is linear in
// the number of audiences, however many are trusted.
func (v *Validator) checkAudience(c *token.Claims, clientID string) error {
	if len(c.Audience) == 0 {
		if !c.Has("aud") {
			return v.audienceError(token.ErrMissingClaim, "the token has no audience; aud must contain this client's ID", clientID)
		}
		return v.audienceError(token.ErrAudience, "aud is empty; it must contain this client's ID", clientID)
	}
	if len(c.Audience) >= minApprovedAudiences {
		if text, _ := c.RawJSON("aud"); v.auds.approved(clientID, text) {
			return nil
		}
	}
	found := false
	for _, a := range c.Audience {
		if a == clientID {
			found = true
			continue
		}
		if !v.trusted.contains(a) {
			e := v.audienceError(token.ErrAudience, "aud names an audience that is neither this client's ID nor a trusted audience", clientID)
			// One allocation for the log's sentence, and one quoting: the
			// client ID's part is made once (audienceError).
			var buf [160]byte
			d := excerpt.AppendQuoted(append(buf[:0], "aud names "...), a)
			e.Detail = string(append(append(d, "; "...), e.Detail...))
			return e
		}
	}
	if !found {
		return v.audienceError(token.ErrAudience, "aud does not contain this client's ID", clientID)
	}
	return nil
}

// audienceError is a refusal of the token's aud, which happens before the
// signature is checked. It is built without formatting, so that a client
// resending a token meant for another application costs a fraction of a
// verification, the error included; reason is the client's sentence, the
// expected client ID goes to Detail, for the log only.
func (v *Validator) audienceError(kind error, reason, clientID string) *token.ValidationError {
	detail := v.expectClient
	if clientID != v.clientID {
		detail = expectClient(clientID)
	}
	return &token.ValidationError{Kind: kind, Claim: "aud", Reason: reason, Detail: detail}
}

// expectClient is the Detail of a refusal that names the client ID to
// expect.
func expectClient(clientID string) string { return "expected the client ID " + strconv.Quote(clientID) }

// audienceSet holds Config.TrustedAudiences: a short list is searched, a
// long one hashed, so that checking a token's audiences costs one step per
// audience whatever the configuration's length.
type audienceSet struct {
	list []string
	set  map[string]struct{}
}

// audienceListMax is the list length up to which a search costs less than
// a map lookup.
const audienceListMax = 8

func newAudienceSet(auds []string) audienceSet {
	if len(auds) <= audienceListMax {
		return audienceSet{list: slices.Clone(auds)}
	}
	s := audienceSet{set: make(map[string]struct{}, len(auds))}
	for _, a := range auds {
		s.set[a] = struct{}{}
	}
	return s
}

func (s audienceSet) contains(a string) bool {
	if s.set != nil {
		_, ok := s.set[a]
		return ok
	}
	return slices.Contains(s.list, a)
}

// clientFor returns this application's client ID at the token's issuer.
func (v *Validator) clientFor(iss string) string {
	if id, ok := v.clients[iss]; ok {
		return id
	}
	return v.clientID
}

// checkMaxAge applies Config.MaxAge to the token's iat.
func (v *Validator) checkMaxAge(t *Token, now time.Time, leeway time.Duration) error {
	if v.maxAge <= 0 {
		return nil
	}
	if age := now.Sub(t.IssuedAt); age > v.maxAge+leeway {
		return token.Errorf(token.ErrExpired, "iat", "the token was issued %s ago; at most %s (plus %s leeway) is accepted",
			age.Round(time.Second), v.maxAge, leeway)
	}
	return nil
}

// run applies the per-call checks to t.
func (c *checks) run(t *Token, now time.Time, leeway time.Duration) error {
	if c.hasNonce {
		switch {
		case c.nonce == "":
			return token.Errorf(token.ErrNonce, "nonce", "the expected nonce is empty; pass the nonce sent in the authentication request")
		case t.Nonce == "":
			return token.Errorf(token.ErrNonce, "nonce", "the token has no nonce; the authentication request sent one")
		case subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(c.nonce)) != 1:
			return token.Errorf(token.ErrNonce, "nonce", "the token's nonce differs from the one sent in the authentication request")
		}
	}
	if c.hasAccessToken {
		if err := checkHash(t, "at_hash", "access token", c.accessToken); err != nil {
			return err
		}
	}
	if c.hasCode {
		if err := checkHash(t, "c_hash", "authorization code", c.code); err != nil {
			return err
		}
	}
	if c.hasMaxAge {
		switch {
		case t.AuthTime.IsZero():
			return token.Errorf(token.ErrAuthTime, "auth_time", "the token has no auth_time; it is required when the request sent max_age")
		case now.Add(leeway).Before(t.AuthTime):
			return token.Errorf(token.ErrAuthTime, "auth_time", "auth_time is %s from now (leeway %s)", t.AuthTime.Sub(now).Round(time.Second), leeway)
		case now.Sub(t.AuthTime) > c.maxAge+leeway:
			return token.Errorf(token.ErrAuthTime, "auth_time", "the user authenticated %s ago; max_age is %s (plus %s leeway)",
				now.Sub(t.AuthTime).Round(time.Second), c.maxAge, leeway)
		}
	}
	if c.hasACR {
		if t.ACR == "" {
			return token.Errorf(token.ErrACR, "acr", "the token has no acr; one of %q is required", c.acr)
		}
		if !slices.Contains(c.acr, t.ACR) {
			return token.Errorf(token.ErrACR, "acr", "acr is %q; one of %q is required", excerpt.Of(t.ACR), c.acr)
		}
	}
	return nil
}

// checkHash applies at_hash or c_hash (claim) to value.
func checkHash(t *Token, claim, what, value string) error {
	c, err := t.claimSet()
	if err != nil {
		return err
	}
	claimed, present, err := c.GetString(claim)
	if err != nil {
		return err // not a string: ErrInvalidClaim, as for every claim of the wrong JSON type
	}
	return checkTokenHash(claim, what, t.alg, value, claimed, present)
}
