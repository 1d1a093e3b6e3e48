package accesstoken

import (
	"context"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/httpx"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// validateOpaque resolves an opaque token through the Introspector and
// checks the answer.
func (v *Validator) validateOpaque(ctx context.Context, raw string) (*Token, error) {
	// A string outside RFC 6750's b64token cannot have come from an
	// Authorization header and is not worth a network call.
	if i := httpx.InvalidB64Token(raw); i >= 0 {
		return nil, token.Errorf(token.ErrMalformed, "", "the token holds a character outside the RFC 6750 bearer token alphabet at offset %d", i)
	}
	if v.introspector == nil {
		return nil, token.Errorf(token.ErrMalformed, "", "the token is not a JWT, and opaque access tokens are not accepted here").
			WithDetail("this validator has no Introspector to resolve opaque tokens; configure accesstoken.Config.Introspector to accept them")
	}
	resp, err := v.introspect(ctx, raw)
	if err != nil {
		return nil, err
	}
	// Own copy: an Introspector (a test fake, say) may hand the same
	// Response to every caller, and the Token's slices come from it.
	resp = resp.Clone()
	if err := checkTokenType(resp.TokenType); err != nil {
		return nil, err
	}
	if resp.Issuer != "" && resp.Issuer != v.issuer {
		return nil, token.Errorf(token.ErrIssuer, "iss", "the authorization server says the token was issued by another issuer than the one this validator accepts").
			WithDetail("the introspection answer names issuer %s; expected %s", excerpt.Quote(resp.Issuer), excerpt.Quote(v.issuer))
	}
	if len(resp.Audience) == 0 {
		if !v.allowNoAud {
			return nil, token.Errorf(token.ErrAudience, "aud",
				"the authorization server names no audience for the token, so it may not be meant for this API (a refresh token, say)").
				WithDetail("expected %s, or set Config.AllowIntrospectionWithoutAudience for a server that never sends aud", v.audienceList())
		}
	} else if err := v.checkAudience(resp.Audience, nil); err != nil {
		return nil, err
	}
	if err := checkAnswerTimes(resp, v.now(), v.leeway); err != nil {
		return nil, err
	}
	t := &Token{
		Subject:   resp.Subject,
		Issuer:    resp.Issuer,
		Audience:  resp.Audience,
		Scopes:    resp.Scopes(),
		ClientID:  resp.ClientID,
		ExpiresAt: resp.ExpiresAt,
		IssuedAt:  resp.IssuedAt,
		NotBefore: resp.NotBefore,
		ID:        resp.ID,
		Opaque:    true,
		Raw:       raw,
		answer:    resp,
	}
	if err := extraClaims(t, resp); err != nil {
		return nil, err
	}
	return t, nil
}

// checkTokenType accepts an absent token_type and the names of a bearer
// access token; anything else (refresh_token, an ID token's type, DPoP, N_A)
// is refused.
func checkTokenType(tt string) error {
	switch {
	case tt == "",
		strings.EqualFold(tt, "Bearer"),
		tt == "access_token",
		tt == "urn:ietf:params:oauth:token-type:access_token":
		return nil
	case strings.EqualFold(tt, "DPoP"):
		return token.Errorf(token.ErrTokenType, "token_type",
			"the token is DPoP-bound (token_type %q); it is good only with a DPoP proof, which this validator does not check, so it is not accepted as a bearer token", tt)
	}
	return token.Errorf(token.ErrTokenType, "token_type",
		"the introspection answer says the token is a %s; only access tokens (token_type \"Bearer\", \"access_token\" or \"urn:ietf:params:oauth:token-type:access_token\") are accepted", excerpt.Quote(tt))
}

// checkAnswerTimes applies the pipeline's time rules to an answer's exp, nbf
// and iat, each only when present: RFC 7662 makes them all optional, and an
// active answer is the server's word that the token is valid now.
func checkAnswerTimes(r *introspect.Response, now time.Time, leeway time.Duration) error {
	return token.CheckPresentTimes(&token.Claims{ExpiresAt: r.ExpiresAt, NotBefore: r.NotBefore, IssuedAt: r.IssuedAt}, now, leeway)
}

// extraClaims reads the members RFC 7662 does not register but providers
// send: scp when scope is absent, permissions, and azp when client_id is
// absent. A member of the wrong type makes the answer unusable
// (token.ErrUnavailable): it is the server's fault, not the token's, the same
// judgement package introspect makes for registered members.
func extraClaims(t *Token, r *introspect.Response) error {
	get := func(name string) ([]byte, bool, error) {
		raw, ok := r.Extra[name]
		if !ok {
			return nil, false, nil
		}
		if err := strictjson.Valid(raw, token.MaxClaimsDepth); err != nil {
			return nil, false, answerFault(token.Errorf(token.ErrInvalidClaim, name, "is not valid JSON"))
		}
		return raw, true, nil
	}
	if raw, ok, err := get("scp"); err != nil {
		return err
	} else if ok {
		list, err := stringOrStrings("scp", raw)
		if err != nil {
			return answerFault(err)
		}
		if r.Scope == "" {
			t.Scopes = list
		}
	}
	if raw, ok, err := get("permissions"); err != nil {
		return err
	} else if ok {
		list, err := stringArray("permissions", raw)
		if err != nil {
			return answerFault(err)
		}
		t.Permissions = list
	}
	if raw, ok, err := get("azp"); err != nil {
		return err
	} else if ok {
		azp, isString := strictjson.String(raw)
		if !isString {
			return answerFault(token.Errorf(token.ErrInvalidClaim, "azp", "must be a string; found %s", strictjson.Kind(raw)))
		}
		if t.ClientID != "" && azp != t.ClientID {
			return answerFault(token.Errorf(token.ErrInvalidClaim, "azp", "client_id is %s but azp is %s; they must name the same client", excerpt.Quote(t.ClientID), excerpt.Quote(azp)))
		}
		t.ClientID = azp
	}
	return nil
}

// answerFault turns a claim error found in an introspection answer into an
// unavailability that does not match token.ErrInvalidClaim.
func answerFault(err error) error {
	claim, reason := "", err.Error()
	if ve, ok := err.(*token.ValidationError); ok {
		claim, reason = ve.Claim, ve.Reason
	}
	return token.Errorf(token.ErrUnavailable, claim, "the authorization server's answer about the token is unusable").
		WithDetail("the introspection answer's %s member %s; nothing was decided about the token: the authorization server's introspection endpoint needs fixing",
			excerpt.Quote(claim), reason)
}
