package introspect

import (
	"encoding/json"
	"errors"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// activeState records how an answer stated "active", so the client can warn
// an operator about a server that says "true" as a string.
type activeState int

const (
	activeTrue activeState = iota
	activeFalse
	activeMissing
	activeNotBoolean
)

// ParseResponse reads an introspection response body (RFC 7662 §2.2)
// strictly. Client uses it; it is exported for programs that fetch answers
// their own way.
//
// The body must be one JSON object with valid UTF-8, nesting no deeper than
// token.MaxClaimsDepth and no member name given twice (or twice but for case).
// The token is active only when "active" is the JSON boolean true; any other
// value, or none, gives a Response with Active false and every other field
// zero, which is not an error.
//
// For an active token, every registered member must have its RFC 7662 type:
// scope, client_id, username, token_type, sub, iss and jti strings, exp, iat
// and nbf numbers of seconds since the epoch, aud a string or an array of
// strings. null counts as a wrong type, not as absent. Members of other names
// are kept raw in Extra.
//
// Every error matches token.ErrUnavailable: a body that breaks these rules is
// not an answer about the token but a fault of the server (or of something
// between it and us), and nothing may be decided from it. The error's Claim
// names the member at fault, if one is.
func ParseResponse(body []byte) (*Response, error) {
	r, _, err := parseResponse(body)
	return r, err
}

func parseResponse(body []byte) (*Response, activeState, error) {
	members, err := strictjson.ParseObject(body, token.MaxClaimsDepth, make([]strictjson.Member, 0, 16))
	if err != nil {
		return nil, activeMissing, &token.ValidationError{
			Kind:   token.ErrUnavailable,
			Reason: reasonUnusable,
			Detail: "the introspection answer is not a strict JSON object (RFC 7662 §2.2 requires one, and duplicate member names are refused)",
			Err:    err,
		}
	}
	state := activeMissing
	for _, m := range members {
		if string(m.Name) != "active" {
			continue
		}
		switch string(m.Value) {
		case "true":
			state = activeTrue
		case "false":
			state = activeFalse
		default:
			state = activeNotBoolean
		}
		break
	}
	if state != activeTrue {
		return &Response{Active: false}, state, nil
	}

	claims, err := token.ParseClaims(body)
	if err != nil {
		return nil, state, wrongType(err)
	}
	r := &Response{
		Active:    true,
		ExpiresAt: claims.ExpiresAt,
		IssuedAt:  claims.IssuedAt,
		NotBefore: claims.NotBefore,
		Subject:   claims.Subject,
		Audience:  claims.Audience,
		Issuer:    claims.Issuer,
		ID:        claims.ID,
	}
	extraBytes, extraCount := 0, 0
	for _, m := range members {
		var dst *string
		switch string(m.Name) {
		case "active", "exp", "iat", "nbf", "sub", "aud", "iss", "jti":
			continue
		case "scope":
			dst = &r.Scope
		case "client_id":
			dst = &r.ClientID
		case "username":
			dst = &r.Username
		case "token_type":
			dst = &r.TokenType
		default:
			extraBytes += len(m.Value)
			extraCount++
			continue
		}
		s, ok := strictjson.String(m.Value)
		if !ok {
			return nil, state, wrongType(token.Errorf(token.ErrInvalidClaim, string(m.Name), "must be a string; found %s", strictjson.Kind(m.Value)))
		}
		*dst = s
	}
	if extraCount > 0 {
		// One buffer for every extra value, so a cached Response does not
		// keep the whole body alive.
		buf := make([]byte, 0, extraBytes)
		r.Extra = make(map[string]json.RawMessage, extraCount)
		for _, m := range members {
			if isRegistered(string(m.Name)) {
				continue
			}
			start := len(buf)
			buf = append(buf, m.Value...)
			r.Extra[string(m.Name)] = json.RawMessage(buf[start:len(buf):len(buf)])
		}
	}
	return r, state, nil
}

// wrongType turns a claim error into an unavailability. The claim error is
// not kept in the chain: the answer is the server's fault, and it must not
// match token.ErrInvalidClaim as though the token were bad.
func wrongType(err error) error {
	member, reason := "", err.Error()
	var ve *token.ValidationError
	if errors.As(err, &ve) {
		member, reason = ve.Claim, ve.Reason
	}
	return &token.ValidationError{
		Kind:   token.ErrUnavailable,
		Claim:  member,
		Reason: reasonUnusable,
		Detail: "the introspection answer's " + excerpt.Quote(member) + " member " + reason +
			" (RFC 7662 §2.2); the answer is unusable, so nothing was decided about the token: the authorization server's introspection endpoint needs fixing",
	}
}
