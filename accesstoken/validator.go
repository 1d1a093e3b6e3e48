package accesstoken

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// Validator validates access tokens for one API. Build it with
// NewValidator; it is safe for concurrent use and holds no goroutines, so it
// needs no Close. A nil or zero Validator refuses every token with
// token.ErrUnavailable: the fault is the program's, not the token's.
type Validator struct {
	configured   bool
	issuer       string
	rules        issuerRules             // for Issuer, IssuerKeys and introspection answers
	byIssuer     map[string]*issuerRules // Issuers with rules of their own; nil when none
	verifier     *token.Verifier         // nil without any key source
	introspector introspect.Introspector
	strict       bool
	allowNoAud   bool
	introJWTs    bool
	require      []token.Requirement
	check        func(context.Context, *Token) error
	leeway       time.Duration
	now          func() time.Time
	maxSize      int
	cache        *tokencache.Cache[cached] // nil when disabled or without keys
	dpop         *dpopChecker
}

// issuerRules are the audience and provider rules of an issuer.
type issuerRules struct {
	audiences []string
	// audienceSet holds audiences when there are more than
	// audienceSearchMax: a token's aud is then checked in one lookup per
	// audience, however many the configuration accepts.
	audienceSet map[string]struct{}
	provider    Provider
	appClients  []string // Cognito app client IDs for tokens without aud
	expected    string   // audiences as a refusal's Detail names them
}

// NewValidator checks cfg and returns a Validator. It returns an error naming
// the field at fault when no issuer is given, an issuer has no API
// identifier, an entry of Audiences, Issuers or AppClientIDs is empty or
// repeated, neither keys nor Introspector are set, IntrospectJWTs or
// StrictRFC9068 is set without what it needs, MaxTokenSize is negative,
// Provider is unknown or AppClientIDs is set for another provider than
// Cognito, or Algorithms names an algorithm that is not supported. It makes
// no network request.
func NewValidator(cfg Config) (*Validator, error) {
	jwts := cfg.Keys != nil || len(cfg.Issuers) > 0 || cfg.IssuerKeys != nil
	switch {
	case cfg.Issuer == "" && len(cfg.Issuers) == 0 && cfg.IssuerKeys == nil:
		return nil, errors.New("accesstoken: Config.Issuer is required: the authorization server's issuer identifier (or Config.Issuers, or Config.IssuerKeys, for several)")
	case cfg.Issuer == "" && cfg.Keys != nil:
		return nil, errors.New("accesstoken: Config.Keys is set but Config.Issuer is empty; name the issuer the keys belong to")
	case cfg.Issuer == "" && cfg.Introspector != nil:
		return nil, errors.New("accesstoken: Config.Introspector needs Config.Issuer, the issuer identifier of the server that answers")
	case !jwts && cfg.Introspector == nil:
		return nil, errors.New("accesstoken: Config.Keys (for JWT access tokens) or Config.Introspector (for opaque ones) is required")
	case cfg.IntrospectJWTs && (!jwts || cfg.Introspector == nil):
		return nil, errors.New("accesstoken: Config.IntrospectJWTs needs both Config.Keys (or Issuers, or IssuerKeys) and Config.Introspector")
	case cfg.StrictRFC9068 && !jwts:
		return nil, errors.New("accesstoken: Config.StrictRFC9068 applies to JWT access tokens, but no keys are configured so no JWT is accepted")
	}
	if cfg.Issuer != "" {
		if err := token.CheckIssuer(cfg.Issuer); err != nil {
			return nil, fmt.Errorf("accesstoken: Config.Issuer: %w", err)
		}
	}
	v := &Validator{
		configured:   true,
		issuer:       cfg.Issuer,
		introspector: cfg.Introspector,
		strict:       cfg.StrictRFC9068,
		allowNoAud:   cfg.AllowIntrospectionWithoutAudience,
		introJWTs:    cfg.IntrospectJWTs,
		require:      slices.Clone(cfg.Require),
		check:        cfg.Check,
	}
	var audiences []string
	if cfg.Audience != "" {
		audiences = append(audiences, cfg.Audience)
	}
	audiences, err := addAudiences(audiences, cfg.Audiences, "Config.Audiences")
	if err != nil {
		return nil, err
	}
	v.rules, err = newRules(audiences, cfg.Provider, cfg.AppClientIDs, "Config")
	if err != nil {
		return nil, err
	}
	// The defaults must be usable when anything relies on them.
	usesDefaults := cfg.Issuer != "" || cfg.IssuerKeys != nil
	routes := make(map[string]token.KeySource, len(cfg.Issuers))
	for i, is := range cfg.Issuers {
		where := fmt.Sprintf("Config.Issuers[%d]", i)
		switch {
		case is.Issuer == "":
			return nil, fmt.Errorf("accesstoken: %s.Issuer is empty", where)
		case is.Keys == nil:
			return nil, fmt.Errorf("accesstoken: %s.Keys is required: the keys of issuer %q", where, is.Issuer)
		case is.Issuer == cfg.Issuer:
			return nil, fmt.Errorf("accesstoken: %s names Config.Issuer %q again; configure it once", where, is.Issuer)
		}
		if _, dup := routes[is.Issuer]; dup {
			return nil, fmt.Errorf("accesstoken: %s: issuer %q is listed twice", where, is.Issuer)
		}
		routes[is.Issuer] = is.Keys
		if is.Audiences == nil && is.Provider == AnyProvider && is.AppClientIDs == nil {
			usesDefaults = true
			continue
		}
		auds, err := addAudiences(nil, is.Audiences, where+".Audiences")
		if err != nil {
			return nil, err
		}
		r := v.rules
		if is.Audiences != nil {
			r.audiences = auds
		}
		if is.Provider != AnyProvider {
			r.provider = is.Provider
		}
		if is.AppClientIDs != nil {
			r.appClients = is.AppClientIDs
		}
		if r, err = newRules(r.audiences, r.provider, r.appClients, where); err != nil {
			return nil, err
		}
		if err := r.usable(where); err != nil {
			return nil, err
		}
		if v.byIssuer == nil {
			v.byIssuer = make(map[string]*issuerRules)
		}
		v.byIssuer[is.Issuer] = &r
	}
	if usesDefaults || cfg.Introspector != nil {
		if err := v.rules.usable("Config"); err != nil {
			return nil, err
		}
	}
	set, err := settings.ResolveValidation("accesstoken: Config", cfg.Leeway, cfg.Now, cfg.MaxTokenSize)
	if err != nil {
		return nil, err
	}
	v.leeway, v.now, v.maxSize = set.Leeway, set.Now, set.MaxTokenSize
	dpop, err := newDPoPChecker(cfg.DPoP, v.leeway, v.now)
	if err != nil {
		return nil, err
	}
	v.dpop = dpop
	if jwts {
		vc := token.VerifierConfig{
			Issuers:         routes,
			IssuerKeys:      cfg.IssuerKeys,
			Algorithms:      cfg.Algorithms,
			Leeway:          cfg.Leeway, // resolved by the same rule as set's
			Now:             cfg.Now,
			MaxTokenSize:    cfg.MaxTokenSize,
			RequireIssuedAt: cfg.StrictRFC9068,
			CheckHeader:     v.checkHeader,
			CheckClaims:     v.checkBeforeSignature,
		}
		if cfg.Keys != nil {
			vc.Issuer, vc.Keys = cfg.Issuer, cfg.Keys
		}
		ver, err := token.NewVerifier(vc)
		if err != nil {
			return nil, fmt.Errorf("accesstoken: %w", err)
		}
		v.verifier = ver
		if size := settings.OrNone(cfg.CacheSize, DefaultCacheSize); size > 0 {
			v.cache = tokencache.New(size, v.keyLive)
		}
	}
	return v, nil
}

// addAudiences appends the entries of list that dst lacks, refusing empty
// ones.
func addAudiences(dst, list []string, field string) ([]string, error) {
	for i, a := range list {
		if a == "" {
			return nil, fmt.Errorf("accesstoken: %s[%d] is empty; every accepted API identifier must be a non-empty string", field, i)
		}
		if !slices.Contains(dst, a) {
			dst = append(dst, a)
		}
	}
	return dst, nil
}

// newRules checks a provider and its app client IDs.
func newRules(audiences []string, p Provider, appClients []string, where string) (issuerRules, error) {
	if !p.known() {
		return issuerRules{}, fmt.Errorf("accesstoken: %s.Provider is %d, not one of the Provider constants", where, int(p))
	}
	if len(appClients) > 0 && p != Cognito {
		return issuerRules{}, fmt.Errorf("accesstoken: %s.AppClientIDs accepts tokens without aud, which only Amazon Cognito issues; it needs Provider Cognito, not %s", where, p)
	}
	for i, c := range appClients {
		if c == "" {
			return issuerRules{}, fmt.Errorf("accesstoken: %s.AppClientIDs[%d] is empty", where, i)
		}
	}
	r := issuerRules{audiences: audiences, provider: p, appClients: slices.Clone(appClients), expected: describeAudiences(audiences)}
	if len(audiences) > audienceSearchMax {
		r.audienceSet = make(map[string]struct{}, len(audiences))
		for _, a := range audiences {
			r.audienceSet[a] = struct{}{}
		}
	}
	return r, nil
}

// audienceSearchMax is the number of accepted audiences up to which
// searching them costs less than a map lookup.
const audienceSearchMax = 8

// usable reports an issuer whose tokens could never be accepted.
func (r issuerRules) usable(where string) error {
	if len(r.audiences) == 0 && len(r.appClients) == 0 {
		return fmt.Errorf("accesstoken: %s.Audience (or Audiences) is required: the identifier of this API that tokens must name in aud", where)
	}
	return nil
}

// rulesFor returns the rules of the token's issuer.
func (v *Validator) rulesFor(iss string) *issuerRules {
	if v.byIssuer != nil {
		if r, ok := v.byIssuer[iss]; ok {
			return r
		}
	}
	return &v.rules
}

// Validate checks raw, the access token as presented (without "Bearer "),
// and returns what it grants. Every error matches one of package token's
// sentinels; see the package documentation for which rule gives which.
// ctx bounds key fetches and introspection calls.
//
// Validate takes raw as a bearer token: a token bound to a DPoP key or a
// TLS client certificate (cnf) is refused with token.ErrSenderConstrained.
// Use ValidateProof for those.
func (v *Validator) Validate(ctx context.Context, raw string) (*Token, error) {
	return v.validate(ctx, raw, nil)
}

// validate is Validate (p nil) and ValidateProof: the token, then its
// binding, then Config.Check.
func (v *Validator) validate(ctx context.Context, raw string, p *Proof) (*Token, error) {
	t, err := v.validateToken(ctx, raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkBinding(ctx, t, raw, p); err != nil {
		return nil, err
	}
	return v.authorize(ctx, t)
}

// authorize runs Config.Check on a token that passed every other check,
// on every call: JWTs, cache hits and opaque tokens alike.
func (v *Validator) authorize(ctx context.Context, t *Token) (*Token, error) {
	if v.check == nil {
		return t, nil
	}
	if err := token.CheckFailed(v.check(ctx, t)); err != nil {
		return nil, err
	}
	return t, nil
}

// validateToken checks raw for what it is, whatever it is bound to.
func (v *Validator) validateToken(ctx context.Context, raw string) (*Token, error) {
	if v == nil || !v.configured {
		return nil, token.Errorf(token.ErrUnavailable, "", "the token cannot be validated here").
			WithDetail("the access token validator is not configured; build it with accesstoken.NewValidator")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if raw == "" {
		return nil, token.Errorf(token.ErrMalformed, "", "the token is empty")
	}
	if len(raw) > v.maxSize {
		return nil, token.Errorf(token.ErrTooLarge, "", "the token is %d bytes; at most %d are accepted", len(raw), v.maxSize)
	}
	// The cache first: a hit is a JWT that passed before, and looking it up
	// costs less than even classifying the string (a miss for an opaque
	// token costs one hash of it).
	now := v.now()
	if e, ok := v.cache.Lookup(ctx, raw, now); ok {
		return v.cacheHit(ctx, &e, raw, now)
	}
	if isJOSE(raw) {
		return v.validateJWT(ctx, raw, now)
	}
	return v.validateOpaque(ctx, raw)
}

// isJOSE reports whether raw is meant as a JOSE object, and so is validated
// locally and never sent to the introspector, whatever is wrong with it: a
// string with exactly two dots (the shape of a compact JWS; the pipeline
// then checks the alphabet, as token.LooksLikeJWS would, but only once)
// without a "~", which no base64 alphabet has, one
// that begins with "{" (the JWS JSON serialization), or one whose first
// dot-separated segment is the base64url encoding of a JSON object (a JWE's
// five segments, a truncated or extended JWS). Opaque formats with one dot,
// such as Google's "ya29.…" or prefixed ones like "ory_at_….…", stay on the
// introspection path. Counting dots is vectorised; scanning the alphabet
// here as well would cost a second pass over every token.
func isJOSE(raw string) bool {
	if raw[0] == '{' {
		return true
	}
	dot := strings.IndexByte(raw, '.')
	if dot < 0 {
		return false
	}
	if strings.Count(raw[dot+1:], ".") == 1 {
		// The shape of a compact JWS, unless it holds a "~", which no
		// base64 alphabet has, so that no JWS encoding, however mangled,
		// produces: RFC 9449's example token
		// "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU" is opaque. One
		// vectorised byte search, not a scan of the alphabet.
		return strings.IndexByte(raw, '~') < 0
	}
	if dot < 2 {
		return false
	}
	// Four base64url characters hold three bytes: enough to see past a
	// little whitespace to the "{" (real headers begin "eyJ", that is '{"').
	var buf [3]byte
	n, _ := base64.RawURLEncoding.Decode(buf[:], []byte(raw[:min(dot, 4)]))
	for _, c := range buf[:n] {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}

// unavailable turns an Introspector's error into one that matches
// token.ErrUnavailable and no other token sentinel, keeping the cause (a
// context's error, a network error) in the chain when it is not itself a
// token sentinel.
func unavailable(err error) error {
	if errors.Is(err, token.ErrUnavailable) {
		var ve *token.ValidationError
		if errors.As(err, &ve) && ve.Kind == token.ErrUnavailable {
			return err
		}
	}
	var ve *token.ValidationError
	if errors.As(err, &ve) {
		// The introspector claims to have decided something about the token,
		// which it may not: keep its words, not its sentinel.
		return token.Errorf(token.ErrUnavailable, ve.Claim, "the token could not be introspected").
			WithDetail("the introspector failed: %s", ve.Error())
	}
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: "the token could not be introspected", Detail: "the introspector failed", Err: err}
}

// introspect asks the Introspector about raw and returns its answer, which is
// never nil and always active.
func (v *Validator) introspect(ctx context.Context, raw string) (*introspect.Response, error) {
	resp, err := v.introspector.Introspect(ctx, raw)
	if err != nil {
		return nil, unavailable(err)
	}
	if resp == nil {
		return nil, token.Errorf(token.ErrUnavailable, "", "the token could not be introspected").
			WithDetail("the introspector returned neither an answer nor an error")
	}
	if !resp.Active {
		return nil, token.Errorf(token.ErrInactive, "active", "the authorization server says the token is not active (revoked, expired or unknown)")
	}
	return resp, nil
}
