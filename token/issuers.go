package token

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

// IssuerKeySource routes a token to the keys of the issuer it names, for a
// validator that trusts issuers decided at run time (the tenants of a
// multi-tenant provider, say). Package jwks provides one built from an
// issuer template or a resolver.
//
// The Verifier calls IssuerKeys once it has checked the token's form,
// header and algorithm and parsed its claims, before it looks up any key;
// only the returned source is asked for the token's key, so a kid is
// meaningful only within its issuer.
type IssuerKeySource interface {
	// IssuerKeys returns the key source of the issuer whose identifier is
	// exactly c.Issuer. When that issuer is not trusted, the error matches
	// ErrIssuer (ErrMissingClaim when the token names none), and it must
	// be decided without any network call: a token naming a made-up
	// issuer costs nothing. Other claims may be checked against the issuer
	// too (Entra ID's tid against the tenant in iss). An error matching
	// ErrUnavailable means the issuer is trusted but its keys could not be
	// set up. It must not keep c, or a slice of it (Audience), after it
	// returns: the Verifier reuses the memory of a token it refuses.
	// Strings read from c (c.Issuer) may be kept.
	IssuerKeys(ctx context.Context, c *Claims) (KeySource, error)
}

// IssuerNameKeySource is an IssuerKeySource that can also choose an
// issuer's keys from the issuer's name alone, which spares a Verifier
// reading a token's claims before its signature. Reading a claims set
// strictly costs in proportion to what its maker put in it, so a Verifier
// checks the signature of a large, dense claims set first (see
// Verifier.Verify); with an IssuerNameKeySource it can do so for tokens of
// the issuers this source trusts too. It still calls IssuerKeys with the
// claims once they are read, which may refuse the token (for its tid, say),
// and keeps the early check only when the token's iss is the one it asked
// about. jwks.Issuers implements it.
type IssuerNameKeySource interface {
	IssuerKeySource
	// KeysForIssuer returns the key source IssuerKeys returns for the
	// tokens of issuer iss that it accepts, with errors on the same terms:
	// ErrIssuer, decided without any network call, for an issuer it does
	// not trust, and ErrUnavailable when the issuer's keys could not be set
	// up. It returns nil and no error when it cannot decide from the name
	// alone; the claims are then read first, as for any token.
	KeysForIssuer(ctx context.Context, iss string) (KeySource, error)
}

// IssuerKeySourceFunc adapts an ordinary function to an IssuerKeySource.
type IssuerKeySourceFunc func(ctx context.Context, c *Claims) (KeySource, error)

// IssuerKeys calls f(ctx, c).
func (f IssuerKeySourceFunc) IssuerKeys(ctx context.Context, c *Claims) (KeySource, error) {
	return f(ctx, c)
}

// issuerRoutes checks the issuers of cfg and returns the static ones, Issuer
// included, as one map.
func issuerRoutes(cfg VerifierConfig) (map[string]KeySource, error) {
	routes := make(map[string]KeySource, len(cfg.Issuers)+1)
	if cfg.Issuer != "" || cfg.Keys != nil {
		if cfg.Issuer == "" {
			return nil, errors.New("token: VerifierConfig.Keys is set but Issuer is empty; name the issuer the keys belong to")
		}
		if cfg.Keys == nil {
			return nil, errors.New("token: VerifierConfig.Keys is required with Issuer")
		}
		routes[cfg.Issuer] = cfg.Keys
	}
	for iss, keys := range cfg.Issuers {
		if iss == "" {
			return nil, errors.New("token: VerifierConfig.Issuers has an empty issuer")
		}
		if keys == nil {
			return nil, fmt.Errorf("token: VerifierConfig.Issuers[%q] has no key source", iss)
		}
		if prev, dup := routes[iss]; dup && prev != keys {
			return nil, fmt.Errorf("token: issuer %q is configured twice, with different key sources", iss)
		}
		routes[iss] = keys
	}
	if len(routes) == 0 && cfg.IssuerKeys == nil {
		return nil, errors.New("token: VerifierConfig.Issuer (with Keys), Issuers or IssuerKeys is required")
	}
	for iss := range routes {
		if err := CheckIssuer(iss); err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
	}
	return routes, nil
}

// onlyKeys returns Keys when Issuer is the only issuer.
func onlyKeys(cfg VerifierConfig, routes map[string]KeySource) KeySource {
	if cfg.Issuer != "" && len(routes) == 1 && cfg.IssuerKeys == nil {
		return cfg.Keys
	}
	return nil
}

// CheckIssuer refuses an issuer identifier that no token can match exactly:
// one holding a placeholder such as Entra ID's "{tenantid}", which a
// multi-tenant discovery document publishes literally and which must be
// configured as a template instead (see package jwks, IssuersConfig), and
// one with surrounding white space.
func CheckIssuer(iss string) error {
	if strings.ContainsAny(iss, "{}") {
		return fmt.Errorf("issuer %q holds a placeholder, so no token's iss can equal it; for a multi-tenant issuer such as Entra ID's configure jwks.IssuersConfig.Templates and use it as IssuerKeys", excerpt.Of(iss))
	}
	if strings.TrimSpace(iss) != iss {
		return fmt.Errorf("issuer %q begins or ends with white space, so no token's iss can equal it", excerpt.Of(iss))
	}
	return nil
}

// expectedIssuers words the trusted issuers for a refusal.
func expectedIssuers(issuer string, routes map[string]KeySource, dynamic bool) string {
	switch {
	case len(routes) == 1 && !dynamic:
		for iss := range routes {
			return strconv.Quote(iss)
		}
	case len(routes) == 0:
		return "an issuer the issuer source trusts"
	}
	names := make([]string, 0, len(routes))
	for iss := range routes {
		names = append(names, iss)
	}
	slices.Sort(names)
	if issuer != "" {
		// The primary issuer first.
		i := slices.Index(names, issuer)
		names = append(append([]string{issuer}, names[:i]...), names[i+1:]...)
	}
	var b strings.Builder
	b.WriteString("one of ")
	for i, iss := range names {
		if i == 3 {
			fmt.Fprintf(&b, " and %d more", len(names)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(excerpt.Of(iss)))
	}
	if dynamic {
		b.WriteString(", or one the issuer source trusts")
	}
	return b.String()
}

// noIssuer is the refusal of a token that names no issuer.
func (v *Verifier) noIssuer() error {
	return Errorf(ErrMissingClaim, "iss", "the token has no issuer").WithDetail("expected %s", v.expected)
}

// untrustedIssuer is the refusal of a token whose issuer is iss, which no
// static route has, on a Verifier without an issuer source. It is built
// without fmt: such a token is refused before its signature, and the
// refusal should cost a fraction of one.
func (v *Verifier) untrustedIssuer(iss string) error {
	return &ValidationError{Kind: ErrIssuer, Claim: "iss", Reason: "the token's issuer is not the one this validator accepts",
		Detail: "issuer is " + strconv.Quote(excerpt.Of(iss)) + "; expected " + v.expected}
}

// route returns the key source of the token's issuer: a static one found by
// exact comparison, else what the run-time source says. Nothing here waits
// on the network for an issuer that is not trusted.
func (v *Verifier) route(ctx context.Context, c *Claims) (KeySource, error) {
	if v.onlyKeys != nil {
		// One issuer: a comparison, not a map lookup.
		if c.Issuer == v.issuer {
			return v.onlyKeys, nil
		}
	} else if keys, ok := v.routes[c.Issuer]; ok {
		return keys, nil
	}
	if !c.Has("iss") {
		return nil, v.noIssuer()
	}
	if v.dynamic == nil {
		return nil, v.untrustedIssuer(c.Issuer)
	}
	keys, err := v.dynamic.IssuerKeys(ctx, c)
	if err != nil {
		return nil, issuerSourceFailed(err, c.Issuer)
	}
	if keys == nil {
		return nil, Errorf(ErrUnavailable, "iss", "the token cannot be validated right now").
			WithDetail("the issuer source returned no key source for issuer %q", excerpt.Of(c.Issuer))
	}
	return keys, nil
}

// issuerSourceFailed makes the error of the issuer source about issuer
// iss a *ValidationError: the refusal of an issuer it does not trust, or
// ErrUnavailable.
func issuerSourceFailed(err error, iss string) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, ErrIssuer) {
		return &ValidationError{Kind: ErrIssuer, Claim: "iss", Reason: "the token's issuer is not one this validator accepts",
			Detail: fmt.Sprintf("issuer %q is not trusted", excerpt.Of(iss)), Err: err}
	}
	return &ValidationError{Kind: ErrUnavailable, Claim: "iss", Reason: "the token cannot be validated right now",
		Detail: "the issuer source failed", Err: err}
}
