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
	issuer       string
	audiences    []string
	keys         token.KeySource
	verifier     *token.Verifier // nil without Keys
	introspector introspect.Introspector
	strict       bool
	allowNoAud   bool
	introJWTs    bool
	leeway       time.Duration
	now          func() time.Time
	maxSize      int
	cache        *tokencache.Cache[*Token] // nil when disabled or without Keys
}

// NewValidator checks cfg and returns a Validator. It returns an error naming
// the field at fault when Issuer is empty, no API identifier is given, an
// entry of Audiences is empty, neither Keys nor Introspector is set,
// IntrospectJWTs or StrictRFC9068 is set without what it needs,
// MaxTokenSize is negative, or Algorithms names an algorithm that is not
// supported. It makes no network request.
func NewValidator(cfg Config) (*Validator, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("accesstoken: Config.Issuer is required: the authorization server's issuer identifier")
	}
	v := &Validator{
		issuer:       cfg.Issuer,
		keys:         cfg.Keys,
		introspector: cfg.Introspector,
		strict:       cfg.StrictRFC9068,
		allowNoAud:   cfg.AllowIntrospectionWithoutAudience,
		introJWTs:    cfg.IntrospectJWTs,
	}
	if cfg.Audience != "" {
		v.audiences = append(v.audiences, cfg.Audience)
	}
	for i, a := range cfg.Audiences {
		if a == "" {
			return nil, fmt.Errorf("accesstoken: Config.Audiences[%d] is empty; every accepted API identifier must be a non-empty string", i)
		}
		if !slices.Contains(v.audiences, a) {
			v.audiences = append(v.audiences, a)
		}
	}
	switch {
	case len(v.audiences) == 0:
		return nil, errors.New("accesstoken: Config.Audience (or Config.Audiences) is required: the identifier of this API that tokens must name in aud")
	case cfg.Keys == nil && cfg.Introspector == nil:
		return nil, errors.New("accesstoken: Config.Keys (for JWT access tokens) or Config.Introspector (for opaque ones) is required")
	case cfg.IntrospectJWTs && (cfg.Keys == nil || cfg.Introspector == nil):
		return nil, errors.New("accesstoken: Config.IntrospectJWTs needs both Config.Keys and Config.Introspector")
	case cfg.StrictRFC9068 && cfg.Keys == nil:
		return nil, errors.New("accesstoken: Config.StrictRFC9068 applies to JWT access tokens, but Config.Keys is nil so no JWT is accepted")
	}
	set, err := settings.ResolveValidation("accesstoken: Config", cfg.Leeway, cfg.Now, cfg.MaxTokenSize)
	if err != nil {
		return nil, err
	}
	v.leeway, v.now, v.maxSize = set.Leeway, set.Now, set.MaxTokenSize
	if cfg.Keys != nil {
		ver, err := token.NewVerifier(token.VerifierConfig{
			Issuer:          cfg.Issuer,
			Keys:            cfg.Keys,
			Algorithms:      cfg.Algorithms,
			Leeway:          cfg.Leeway, // resolved by the same rule as set's
			Now:             cfg.Now,
			MaxTokenSize:    cfg.MaxTokenSize,
			RequireIssuedAt: cfg.StrictRFC9068,
			CheckHeader:     v.checkHeader,
		})
		if err != nil {
			return nil, fmt.Errorf("accesstoken: %w", err)
		}
		v.verifier = ver
		if size := settings.OrNone(cfg.CacheSize, DefaultCacheSize); size > 0 {
			v.cache = tokencache.New[*Token](size)
		}
	}
	return v, nil
}

// Validate checks raw, the access token as presented (without "Bearer "),
// and returns what it grants. Every error matches one of package token's
// sentinels; see the package documentation for which rule gives which.
// ctx bounds key fetches and introspection calls.
func (v *Validator) Validate(ctx context.Context, raw string) (*Token, error) {
	if v == nil || v.issuer == "" {
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
	if cached, ok := v.cache.Lookup(ctx, raw, now, v.leeway); ok {
		return v.cacheHit(ctx, cached, now)
	}
	if isJOSE(raw) {
		return v.validateJWT(ctx, raw, now)
	}
	return v.validateOpaque(ctx, raw)
}

// isJOSE reports whether raw is meant as a JOSE object, and so is validated
// locally and never sent to the introspector, whatever is wrong with it: a
// string with exactly two dots (the shape of a compact JWS; the pipeline
// then checks the alphabet, as token.LooksLikeJWS would, but only once), one
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
		return true
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
