package idtoken

import (
	"time"

	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// decisionClaims are Token's string claims that feed decisions, in the
// order of (*Token).decisionFields. They must be strings: null is refused.
var decisionClaims = [...]string{"nonce", "acr", "azp", "sid"}

func (t *Token) decisionFields() [len(decisionClaims)]*string {
	return [len(decisionClaims)]*string{&t.Nonce, &t.ACR, &t.AuthorizedParty, &t.SessionID}
}

// profileClaims are the string claims of StandardClaims, in the order of
// (*StandardClaims).stringFields. They read as absent when sent as null.
var profileClaims = [...]string{
	"name", "given_name", "family_name", "middle_name",
	"nickname", "preferred_username", "profile", "picture",
	"website", "email", "gender", "birthdate",
	"zoneinfo", "locale", "phone_number",
}

func (s *StandardClaims) stringFields() [len(profileClaims)]*string {
	return [len(profileClaims)]*string{
		&s.Name, &s.GivenName, &s.FamilyName, &s.MiddleName,
		&s.Nickname, &s.PreferredUsername, &s.Profile, &s.Picture,
		&s.Website, &s.Email, &s.Gender, &s.Birthdate,
		&s.Zoneinfo, &s.Locale, &s.PhoneNumber,
	}
}

// readClaims fills t's typed claims from c, once per verified token.
//
// This runs on every validation, so it avoids reflection and encoding/json:
// each claim is found among the members token.Claims indexed when it parsed
// the payload, and a string claim without escapes is a substring of the
// decoded payload that token.Claims already holds, so reading it allocates
// nothing. Each lookup is one probe, or a few, of the hash index of claim
// names that token.Claims built while parsing (a scan only for the rare
// claims set the index does not cover), so looking up the thirty names, most
// of them absent, costs less than a pass over the claims would.
// A claim of the wrong JSON type is refused with token.ErrInvalidClaim
// rather than read as a zero value.
func (t *Token) readClaims(c *token.Claims) error {
	for i, dst := range t.decisionFields() {
		s, _, err := c.GetString(decisionClaims[i])
		if err != nil {
			return err
		}
		*dst = s
	}
	var err error
	if t.AuthTime, _, err = c.GetTime("auth_time"); err != nil {
		return err
	}
	if t.AMR, _, err = c.GetStrings("amr"); err != nil {
		return err
	}
	return t.StandardClaims.read(c)
}

// read fills s from c: the ID token's profile claims and a UserInfo answer's
// alike. A claim sent as null reads as absent; one of another wrong JSON
// type is refused with token.ErrInvalidClaim.
func (s *StandardClaims) read(c *token.Claims) error {
	for i, dst := range s.stringFields() {
		v, _, err := c.GetString(profileClaims[i])
		if err != nil {
			if raw, _ := c.RawJSON(profileClaims[i]); strictjson.IsNull(raw) {
				continue
			}
			return err
		}
		*dst = v
	}
	var err error
	if s.EmailVerified, err = profileBool(c, "email_verified"); err != nil {
		return err
	}
	if s.PhoneNumberVerified, err = profileBool(c, "phone_number_verified"); err != nil {
		return err
	}
	if s.UpdatedAt, err = updatedAt(c); err != nil {
		return err
	}
	s.Address, err = address(c)
	return err
}

// profileBool reads a boolean profile claim. A string such as "true" is
// refused: a verified flag the issuer did not send as a boolean is not
// trusted to mean what it seems.
func profileBool(c *token.Claims, name string) (bool, error) {
	raw, ok := c.RawJSON(name)
	if !ok || strictjson.IsNull(raw) {
		return false, nil
	}
	b, isBool := strictjson.Bool(raw)
	if !isBool {
		return false, token.Errorf(token.ErrInvalidClaim, name, "must be true or false; found %s", strictjson.Kind(raw))
	}
	return b, nil
}

// updatedAt reads updated_at as seconds since the epoch (OIDC Core §5.1) or,
// since some issuers send it so, as an RFC 3339 string.
func updatedAt(c *token.Claims) (time.Time, error) {
	raw, ok := c.RawJSON("updated_at")
	if !ok || strictjson.IsNull(raw) {
		return time.Time{}, nil
	}
	if s, isString := strictjson.String(raw); isString {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, token.Errorf(token.ErrInvalidClaim, "updated_at", "must be seconds since the epoch or an RFC 3339 time; found a string that is neither")
		}
		return t.UTC(), nil
	}
	t, _, err := c.GetTime("updated_at")
	return t, err
}

// address reads the address claim, an object of strings (OIDC Core §5.1.1).
// Members other than the six defined ones are ignored.
func address(c *token.Claims) (*Address, error) {
	raw, ok := c.RawJSON("address")
	if !ok || strictjson.IsNull(raw) {
		return nil, nil
	}
	members, err := strictjson.ParseObject([]byte(raw), token.MaxClaimsDepth, nil)
	if err != nil {
		return nil, token.Errorf(token.ErrInvalidClaim, "address", "must be an object; found %s", strictjson.Kind(raw))
	}
	a := &Address{}
	for _, m := range members {
		var dst *string
		switch string(m.Name) {
		case "formatted":
			dst = &a.Formatted
		case "street_address":
			dst = &a.StreetAddress
		case "locality":
			dst = &a.Locality
		case "region":
			dst = &a.Region
		case "postal_code":
			dst = &a.PostalCode
		case "country":
			dst = &a.Country
		default:
			continue
		}
		if strictjson.IsNull(m.Value) {
			continue
		}
		s, isString := strictjson.String(m.Value)
		if !isString {
			return nil, token.Errorf(token.ErrInvalidClaim, "address."+string(m.Name), "must be a string; found %s", strictjson.Kind(m.Value))
		}
		*dst = s
	}
	return a, nil
}
