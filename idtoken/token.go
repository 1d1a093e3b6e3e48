package idtoken

import (
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/token"
)

// Token is a validated ID token: the claims of OpenID Connect Core §2 and
// §5.1 as typed fields, any other claim through Claims, and the raw string.
//
// A string field is empty, a time zero and a pointer nil when the token did
// not carry the claim. Standard profile claims (name through updated_at) that
// the issuer sent as JSON null read as absent. The Token is the caller's own:
// Validate never hands out a value it keeps (a cached token is copied on
// every hit), so modifying it affects nothing else.
//
// The fields both kinds of token carry (Issuer through ID, and Raw) have the
// same names, order and meaning as accesstoken.Token's.
type Token struct {
	// Issuer is iss: the configured issuer, compared exactly.
	Issuer string
	// Subject is sub: the user's identifier at the issuer, never empty.
	Subject string
	// Audience is aud: the client ID, and trusted audiences if any.
	Audience []string
	// ExpiresAt is exp and IssuedAt is iat, both always present; NotBefore
	// is nbf, zero when absent.
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	// ID is jti, "" when absent.
	ID string

	// AuthTime is auth_time: when the user last authenticated actively.
	AuthTime time.Time
	// Nonce is the nonce the application sent in its authentication request.
	Nonce string
	// ACR is acr, the authentication context class reference satisfied.
	ACR string
	// AMR is amr, the authentication methods used ("pwd", "mfa", "otp", ...).
	AMR []string
	// AuthorizedParty is azp: when present, always the configured client ID.
	AuthorizedParty string
	// SessionID is sid, the session at the issuer (OIDC Front- and
	// Back-Channel Logout).
	SessionID string

	// StandardClaims are the profile claims of OIDC Core §5.1 (name,
	// email, address, ...), the same type a UserInfo answer carries; their
	// fields read as fields of Token (id.Email).
	StandardClaims

	// Raw is the token as presented. It is not an identity: an ES256 (or
	// ES384, ES512) JWT has a second valid form with the same claims, since
	// ECDSA signatures are malleable, so key a list of used or revoked ID
	// tokens on ID (jti) with Issuer (or on Issuer, Subject and IssuedAt),
	// never on Raw (see package token, "The raw token is not an identity").
	Raw string

	claims *token.Claims // immutable, shared by every copy
	alg    string        // the header's alg, for at_hash and c_hash
	// fromCache marks a Token the verified-token cache handed out: it keeps
	// no claims set, and claimSet reads it again from Raw.
	fromCache bool
}

// StandardClaims are the End-User claims of OpenID Connect Core §5.1 that
// both an ID token and a UserInfo answer may carry, typed. Token and UserInfo
// embed it, so the same claim reads the same way from either. A string is
// empty, a time zero and Address nil when the claim is absent or null.
type StandardClaims struct {
	// Name, GivenName, FamilyName, MiddleName, Nickname and
	// PreferredUsername are name, given_name, family_name, middle_name,
	// nickname and preferred_username.
	Name, GivenName, FamilyName, MiddleName, Nickname, PreferredUsername string
	// Profile, Picture and Website are the URLs profile, picture and
	// website.
	Profile, Picture, Website string
	// Email is email; EmailVerified is email_verified.
	Email         string
	EmailVerified bool
	// Gender, Birthdate (YYYY-MM-DD or YYYY), Zoneinfo (an IANA time zone)
	// and Locale (a BCP47 tag) are kept as the issuer sent them.
	Gender, Birthdate, Zoneinfo, Locale string
	// PhoneNumber is phone_number; PhoneNumberVerified is
	// phone_number_verified.
	PhoneNumber         string
	PhoneNumberVerified bool
	// Address is the address claim (OIDC Core §5.1.1), nil when absent.
	Address *Address
	// UpdatedAt is updated_at: when the profile was last changed. Issuers
	// that send an RFC 3339 string instead of seconds since the epoch (as
	// Auth0 does) are read too.
	UpdatedAt time.Time
}

// Address is the address claim of OIDC Core §5.1.1.
type Address struct {
	// Formatted is the full address for display, possibly on several lines.
	Formatted string `json:"formatted,omitempty"`
	// StreetAddress is the street, house number, and so on.
	StreetAddress string `json:"street_address,omitempty"`
	// Locality is the city or locality.
	Locality string `json:"locality,omitempty"`
	// Region is the state, province, prefecture or region.
	Region string `json:"region,omitempty"`
	// PostalCode is the zip or postal code.
	PostalCode string `json:"postal_code,omitempty"`
	// Country is the country name.
	Country string `json:"country,omitempty"`
}

// Claims decodes the token's whole claims set into v, a pointer to a struct
// or a map, for claims beyond the standard ones (a provider's namespaced
// claims, roles, groups). It works as token.Claims.Decode does: names match
// struct fields exactly (a claim "Roles" never fills a field tagged
// "roles"), and a JSON type that does not fit a field of v, or a v that is
// not a non-nil pointer, is an error matching token.ErrInvalidClaim. On a
// Token not made by a Validator it decodes nothing and returns nil, as
// accesstoken.Token.Claims does.
func (t *Token) Claims(v any) error {
	c, err := t.claimSet()
	if c == nil || err != nil {
		return err
	}
	return c.Decode(v)
}

// Meets reports whether the token meets every requirement (see
// token.Requirement): nil, or the first failure, matching
// token.ErrInsufficientScope (token.ErrInvalidClaim for a claim of the
// wrong JSON type). A Token not made by a Validator meets none but the
// empty list.
func (t *Token) Meets(reqs ...token.Requirement) error {
	if len(reqs) == 0 {
		return nil
	}
	c, err := t.claimSet()
	if err != nil {
		return err
	}
	if c == nil {
		return token.Errorf(token.ErrInsufficientScope, "", "the token was not made by a Validator and has no claims")
	}
	return token.CheckAll(c, reqs)
}

// Algorithm returns the JWS algorithm the token was signed with ("RS256",
// "ES256", ...), or "" for a Token that Validate did not return.
func (t *Token) Algorithm() string {
	if t == nil {
		return ""
	}
	return t.alg
}

// claimSet returns the claims of t: those it was read from, or for a Token
// the verified-token cache handed out, the claims of its raw token (which
// passed verification) read again; nil for a Token Validate did not return.
func (t *Token) claimSet() (*token.Claims, error) {
	switch {
	case t == nil:
		return nil, nil
	case t.claims != nil:
		return t.claims, nil
	case !t.fromCache:
		return nil, nil
	}
	c, err := tokencache.Reread(t.Raw, token.ParseClaims)
	if err != nil {
		return nil, &token.ValidationError{Kind: token.ErrInvalidClaim, Reason: "the cached token's claims cannot be read again", Err: err}
	}
	return c, nil
}
