package accesstoken

import (
	"context"
	"crypto/x509"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// Proof is what a request presented beside its access token to prove that
// the sender holds the key or certificate the token is bound to: a DPoP
// proof (RFC 9449) and the request it must match, and the TLS client
// certificate (RFC 8705). The middleware fills it from the request; call
// ValidateProof with it when you read requests yourself.
type Proof struct {
	// DPoP is the value of the request's one DPoP header when the token came
	// with the DPoP authentication scheme ("Authorization: DPoP <token>").
	// Empty means the token came as a bearer token.
	DPoP string
	// Method is the request's HTTP method, compared exactly with the
	// proof's htm.
	Method string
	// URI is the request's target URI as the client addressed it: absolute,
	// with the scheme and host the client used (for a server behind a proxy,
	// the external ones). Its query and fragment are ignored.
	URI string
	// Certificate is the client certificate of the request's TLS
	// connection (the leaf), or nil when there was none.
	Certificate *x509.Certificate
}

// Confirmation is what a sender-constrained token is bound to: its cnf
// claim (RFC 7800), in a JWT or an introspection answer.
type Confirmation struct {
	// JKT is cnf.jkt, the JWK SHA-256 thumbprint (RFC 7638) of the key the
	// client signs its DPoP proofs with (RFC 9449 §6).
	JKT string
	// X5TS256 is cnf["x5t#S256"], the base64url SHA-256 of the DER of the
	// client's TLS certificate (RFC 8705 §3.1).
	X5TS256 string
}

// Bound reports whether c binds the token to anything.
func (c Confirmation) Bound() bool { return c.JKT != "" || c.X5TS256 != "" }

// thumbprintLength is the length of a base64url SHA-256 thumbprint.
const thumbprintLength = 43

// parseConfirmation reads a cnf value (raw JSON). A cnf that is not an
// object, is empty, has a jkt or x5t#S256 that is not a SHA-256 thumbprint,
// or names a confirmation method this package does not check (jwk, jwe,
// jku, kid, ...) is refused: a token bound by a method nobody checks must not
// pass as bearer. The thumbprints are substrings of raw: a usual cnf costs
// no allocation.
func parseConfirmation(raw string) (Confirmation, error) {
	var c Confirmation
	// The scanner reads bytes: a cnf of the usual size is copied to the
	// stack for it, and values are then taken from raw itself.
	var text [256]byte
	var buf [2]strictjson.Span
	members, err := strictjson.ParseObjectSpans(append(text[:0], raw...), 4, buf[:0], nil)
	if err != nil {
		return c, &token.ValidationError{Kind: token.ErrInvalidClaim, Claim: "cnf", Reason: "cnf must be a JSON object of confirmation methods", Err: err}
	}
	if len(members) == 0 {
		return c, token.Errorf(token.ErrInvalidClaim, "cnf", "cnf is an empty object; it must name the key or certificate the token is bound to")
	}
	for _, m := range members {
		name := strictjson.SpanName(m, raw)
		var dst *string
		switch name {
		case "jkt":
			dst = &c.JKT
		case "x5t#S256":
			dst = &c.X5TS256
		default:
			return Confirmation{}, token.Errorf(token.ErrSenderConstrained, "cnf."+excerpt.Of(name),
				"the token is bound by the confirmation method %s, which this validator cannot check; it is never accepted without that proof", excerpt.Quote(name))
		}
		s, ok := strictjson.String(strictjson.SpanValue(m, raw))
		if !ok || len(s) != thumbprintLength || !isB64URL(s) {
			return Confirmation{}, token.Errorf(token.ErrInvalidClaim, "cnf."+name, "must be the base64url SHA-256 thumbprint (%d characters)", thumbprintLength)
		}
		*dst = s
	}
	return c, nil
}

// isB64URL reports whether s is made of base64url characters only. It is
// a loop over the bytes rather than strings.Trim with the alphabet, which
// builds a set of the alphabet on every call.
func isB64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// jwtConfirmation reads a JWT's cnf claim, if any.
func jwtConfirmation(c *token.Claims) (Confirmation, error) {
	raw, ok := c.RawJSON("cnf")
	if !ok {
		return Confirmation{}, nil
	}
	return parseConfirmation(raw)
}

// answerConfirmation reads an introspection answer's cnf (RFC 9449 §6.2,
// RFC 8705 §3.2). A token_type of DPoP without cnf.jkt leaves the binding
// unknown, and a cnf of the wrong shape is unreadable: both make the answer
// unusable (token.ErrUnavailable), as any malformed answer does, since the
// fault is the server's. An unknown confirmation method is refused with
// token.ErrSenderConstrained as in a JWT.
func answerConfirmation(r *introspect.Response) (Confirmation, error) {
	raw, ok := r.Extra["cnf"]
	var c Confirmation
	if ok {
		var err error
		if c, err = parseConfirmation(string(raw)); err != nil {
			if ve, isVE := err.(*token.ValidationError); isVE && ve.Kind == token.ErrSenderConstrained {
				return Confirmation{}, err
			}
			return Confirmation{}, answerFault(err)
		}
	}
	typ, _ := strictjson.String(r.Extra["typ"])
	if (strings.EqualFold(r.TokenType, "DPoP") || strings.EqualFold(typ, "DPoP")) && c.JKT == "" {
		return Confirmation{}, answerFault(token.Errorf(token.ErrInvalidClaim, "cnf",
			"is missing though token_type is DPoP; RFC 9449 §6.2 conveys the key the token is bound to as cnf.jkt"))
	}
	return c, nil
}

// checkBinding holds t to what it is bound to: a bound token passes only
// with a matching proof (p nil means a bearer presentation), and a token
// bound to no key may not come with the DPoP scheme. raw is the token as
// presented, for the proof's ath.
func (v *Validator) checkBinding(ctx context.Context, t *Token, raw string, p *Proof) error {
	c := t.Confirmation
	dpop := p != nil && p.DPoP != ""
	if !c.Bound() {
		if dpop {
			return token.Errorf(token.ErrBinding, "cnf",
				"the token is not DPoP-bound (it has no cnf.jkt), so it cannot be used with the DPoP scheme; a DPoP proof cannot vouch for it")
		}
		return nil
	}
	if c.X5TS256 != "" {
		var cert *x509.Certificate
		if p != nil {
			cert = p.Certificate
		}
		if err := checkCertificate(c.X5TS256, cert); err != nil {
			return err
		}
	}
	if c.JKT == "" {
		if dpop {
			return token.Errorf(token.ErrBinding, "cnf",
				"the token is bound to a TLS client certificate, not to a DPoP key; send it as a bearer token over the mutual-TLS connection (RFC 8705)")
		}
		return nil
	}
	if !dpop {
		return token.Errorf(token.ErrSenderConstrained, "cnf.jkt",
			"the token is DPoP-bound (cnf.jkt) and was presented as a bearer token; send it with \"Authorization: DPoP\" and a DPoP proof (RFC 9449 §7)")
	}
	return v.dpop.check(ctx, t, raw, p)
}
