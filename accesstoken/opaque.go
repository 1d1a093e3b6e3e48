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
	access, err := answerKind(resp)
	if err != nil {
		return nil, err
	}
	if resp.Issuer != "" && resp.Issuer != v.issuer {
		return nil, token.Errorf(token.ErrIssuer, "iss", "the authorization server says the token was issued by another issuer than the one this validator accepts").
			WithDetail("the introspection answer names issuer %s; expected %s", excerpt.Quote(resp.Issuer), excerpt.Quote(v.issuer))
	}
	if len(resp.Audience) == 0 {
		if !access {
			// Neither for an API nor of a kind: what some servers (panva's
			// oidc-provider among them) answer for a refresh token. No
			// setting lets it through.
			return nil, token.Errorf(token.ErrTokenType, "token_type",
				"the authorization server says neither that the token is an access token nor for which API it is; a refresh token is answered that way, and is never accepted as an access token").
				WithDetail("the introspection answer has no aud and no token_type (nor token_use or typ) naming an access token")
		}
		if !v.allowNoAud {
			return nil, token.Errorf(token.ErrAudience, "aud",
				"the authorization server names no audience for the token, so it may not be meant for this API (a refresh token, say)").
				WithDetail("expected %s, or set Config.AllowIntrospectionWithoutAudience for a server that never sends aud", v.rules.audienceList())
		}
	} else if err := v.rules.checkAudience(resp.Audience, nil); err != nil {
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
	if t.Confirmation, err = answerConfirmation(resp); err != nil {
		return nil, err
	}
	if err := t.Meets(v.require...); err != nil {
		return nil, err
	}
	return t, nil
}

// answerKind reads what an introspection answer says the token is, from
// every member servers use to say it: token_type (RFC 7662; "Bearer",
// "access_token" or the RFC 8693 URI for an access token, and
// "client_credentials" in older versions of panva's oidc-provider),
// token_use (Ory Hydra: "access_token" or "refresh_token") and typ
// (Keycloak: "Bearer", "Refresh", "Offline", "ID"). access is true when one
// of them names a bearer access token. Any of them naming something else (a
// refresh, ID or logout token) is token.ErrTokenType,
// whatever the others say; a member of the wrong JSON type makes the answer
// unusable (token.ErrUnavailable).
func answerKind(r *introspect.Response) (access bool, err error) {
	if tt := r.TokenType; tt != "" {
		switch {
		case strings.EqualFold(tt, "Bearer"),
			tt == "access_token",
			tt == "client_credentials",
			tt == "urn:ietf:params:oauth:token-type:access_token":
			access = true
		case strings.EqualFold(tt, "DPoP"):
			// DPoP-bound: an access token, accepted only with a proof for
			// its cnf.jkt (answerConfirmation, checkBinding).
			access = true
		default:
			return false, token.Errorf(token.ErrTokenType, "token_type",
				"the authorization server says the token is a %s; only access tokens (token_type \"Bearer\", \"access_token\" or \"urn:ietf:params:oauth:token-type:access_token\") are accepted", excerpt.Quote(tt))
		}
	}
	for _, m := range [...]struct {
		name string
		ok   func(string) bool
	}{
		{"token_use", accessUse},
		// Keycloak's "DPoP" is a DPoP-bound access token, held to its
		// binding as token_type "DPoP" is.
		{"typ", accessTyp},
	} {
		raw, present := r.Extra[m.name]
		if !present {
			continue
		}
		s, isString := strictjson.String(raw)
		if !isString {
			return false, answerFault(token.Errorf(token.ErrInvalidClaim, m.name, "must be a string; found %s", strictjson.Kind(raw)))
		}
		if !m.ok(s) {
			return false, token.Errorf(token.ErrTokenType, m.name,
				"the authorization server says the token is a %s (%s), not an access token", excerpt.Quote(s), m.name)
		}
		access = true
	}
	return access, nil
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
	get := func(name string) (strictjson.Checked[[]byte], bool, error) {
		raw, ok := r.Extra[name]
		if !ok {
			return strictjson.Checked[[]byte]{}, false, nil
		}
		checked, err := strictjson.Check(raw, token.MaxClaimsDepth)
		if err != nil {
			return checked, false, answerFault(token.Errorf(token.ErrInvalidClaim, name, "is not valid JSON"))
		}
		return checked, true, nil
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
		azp, isString := strictjson.String(raw.Text())
		if !isString {
			return answerFault(token.Errorf(token.ErrInvalidClaim, "azp", "must be a string; found %s", strictjson.Kind(raw.Text())))
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
