package idtoken

import (
	"slices"
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

// detach returns the copy of t that the verified-token cache keeps. It
// holds no claims set and none of the decoded token: its strings are copies
// in one allocation of their own (tokencache.Compact), so an entry costs
// what the values need and not the whole verified token; Claims, and the
// at_hash and c_hash checks, read the claims again from the raw token when
// a caller needs them. Its slices and Address are its own (the caller may
// change t's). It is never handed to a caller: clone copies it.
func (t *Token) detach() *Token {
	d := t.clone("")
	d.claims, d.fromCache = nil, true
	profile := d.stringFields()
	fields := make([]*string, 0, len(profile)+14+len(d.Audience)+len(d.AMR))
	fields = append(fields, profile[:]...)
	fields = append(fields, &d.Issuer, &d.Subject, &d.ID, &d.Nonce, &d.ACR, &d.AuthorizedParty, &d.SessionID, &d.alg)
	if a := d.Address; a != nil {
		fields = append(fields, &a.Formatted, &a.StreetAddress, &a.Locality, &a.Region, &a.PostalCode, &a.Country)
	}
	for _, list := range [][]string{d.Audience, d.AMR} {
		for i := range list {
			fields = append(fields, &list[i])
		}
	}
	tokencache.Compact(fields)
	return d
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

// withAddress is a Token and its Address in one allocation.
type withAddress struct {
	token   Token
	address Address
}

// clone returns a copy of a cached Token for a caller, with raw, the token
// the caller presented, as its Raw. It shares nothing a caller could change
// with t: Audience and AMR are copied into one new slice, Address into the
// allocation of the Token. The claims behind Claims are read-only, and
// shared.
func (t *Token) clone(raw string) *Token {
	var c *Token
	if t.Address != nil {
		w := &withAddress{token: *t, address: *t.Address}
		c = &w.token
		c.Address = &w.address
	} else {
		c = new(Token)
		*c = *t
	}
	c.Raw = raw
	if n := len(t.Audience) + len(t.AMR); n > 0 {
		buf := make([]string, n)
		c.Audience = buf[:copy(buf, t.Audience):len(t.Audience)]
		c.AMR = buf[len(t.Audience):]
		copy(c.AMR, t.AMR)
		if t.AMR == nil {
			c.AMR = nil
		}
	} else {
		c.Audience, c.AMR = slices.Clone(t.Audience), slices.Clone(t.AMR)
	}
	return c
}
