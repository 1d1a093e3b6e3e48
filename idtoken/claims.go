package idtoken

import (
	"time"

	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// The claims this package reads, numbered: a walk over a token's members
// (readClaims) notes where each of them is, and the rules and typed fields
// then read them from that note in the order below, which is the order in
// which a token with several bad claims meets its refusals.
const (
	// The markers of other kinds of token (checkNotOtherToken).
	claimClientID = iota
	claimSCP
	claimTokenUse
	claimEvents
	claimTyp
	// sub, which the pipeline read; noted to tell absent from empty.
	claimSub
	// Token's string claims that feed decisions, in the order of
	// (*Token).decisionFields. They must be strings: null is refused.
	claimNonce
	claimACR
	claimAZP
	claimSID
	claimAuthTime
	claimAMR
	// StandardClaims' string claims, in the order of
	// (*StandardClaims).stringFields. They read as absent when sent as null.
	claimName
	claimGivenName
	claimFamilyName
	claimMiddleName
	claimNickname
	claimPreferredUsername
	claimProfile
	claimPicture
	claimWebsite
	claimEmail
	claimGender
	claimBirthdate
	claimZoneinfo
	claimLocale
	claimPhoneNumber
	claimEmailVerified
	claimPhoneNumberVerified
	claimUpdatedAt
	claimAddress
	numClaims
)

// claimNames are the names of the claims above, by number.
// present is a uint64 with a bit for each claim: a claim numbered 64 or
// more would always read as absent, so numClaims over 64 fails to compile.
var _ [64 - numClaims]struct{}

var claimNames = [numClaims]string{
	claimClientID: "client_id", claimSCP: "scp", claimTokenUse: "token_use", claimEvents: "events", claimTyp: "typ",
	claimSub:   "sub",
	claimNonce: "nonce", claimACR: "acr", claimAZP: "azp", claimSID: "sid",
	claimAuthTime: "auth_time", claimAMR: "amr",
	claimName: "name", claimGivenName: "given_name", claimFamilyName: "family_name", claimMiddleName: "middle_name",
	claimNickname: "nickname", claimPreferredUsername: "preferred_username", claimProfile: "profile",
	claimPicture: "picture", claimWebsite: "website", claimEmail: "email", claimGender: "gender",
	claimBirthdate: "birthdate", claimZoneinfo: "zoneinfo", claimLocale: "locale", claimPhoneNumber: "phone_number",
	claimEmailVerified: "email_verified", claimPhoneNumberVerified: "phone_number_verified",
	claimUpdatedAt: "updated_at", claimAddress: "address",
}

// claimNumber returns the number of the claim named name, or -1 for a claim
// this package does not read. A switch, which the compiler turns into a
// jump on the length and a few comparisons, costs a fraction of a hashed
// lookup; TestClaimNumbers checks it against claimNames.
func claimNumber(name string) int {
	switch name {
	case "client_id":
		return claimClientID
	case "scp":
		return claimSCP
	case "token_use":
		return claimTokenUse
	case "events":
		return claimEvents
	case "typ":
		return claimTyp
	case "sub":
		return claimSub
	case "nonce":
		return claimNonce
	case "acr":
		return claimACR
	case "azp":
		return claimAZP
	case "sid":
		return claimSID
	case "auth_time":
		return claimAuthTime
	case "amr":
		return claimAMR
	case "name":
		return claimName
	case "given_name":
		return claimGivenName
	case "family_name":
		return claimFamilyName
	case "middle_name":
		return claimMiddleName
	case "nickname":
		return claimNickname
	case "preferred_username":
		return claimPreferredUsername
	case "profile":
		return claimProfile
	case "picture":
		return claimPicture
	case "website":
		return claimWebsite
	case "email":
		return claimEmail
	case "gender":
		return claimGender
	case "birthdate":
		return claimBirthdate
	case "zoneinfo":
		return claimZoneinfo
	case "locale":
		return claimLocale
	case "phone_number":
		return claimPhoneNumber
	case "email_verified":
		return claimEmailVerified
	case "phone_number_verified":
		return claimPhoneNumberVerified
	case "updated_at":
		return claimUpdatedAt
	case "address":
		return claimAddress
	}
	return -1
}

// found is what one walk over a token's members noted: the raw JSON of
// each claim this package reads, by number, and which are present. It lives
// on the caller's stack.
//
// The walk replaces a lookup by name per claim. A validator reads some
// thirty claims, most of them absent from a given token; each lookup
// hashed the name and probed the claims' index, where the walk costs a
// switch on each member's name, and reads the members the token carries
// only.
type found struct {
	c       *token.Claims // the claims walked, for the readers that need them (see str)
	present uint64        // bit n set when claim n is present
	raw     [numClaims]string
}

// find walks c's members once and notes those this package reads.
func find(c *token.Claims) found {
	f := found{c: c}
	for name, raw := range c.All() {
		if n := claimNumber(name); n >= 0 {
			f.raw[n] = raw
			f.present |= 1 << n
		}
	}
	return f
}

// has reports whether claim n is present, even as null.
func (f *found) has(n int) bool { return f.present&(1<<n) != 0 }

// get returns claim n's raw JSON, and whether it is present.
func (f *found) get(n int) (string, bool) { return f.raw[n], f.has(n) }

// str reads string claim n as token.Claims.GetString does: "" when absent,
// an error matching token.ErrInvalidClaim when it is not a string. The
// refusal is token's own, worded where every claim's is: only that rare
// path looks the claim up by name.
func (f *found) str(n int) (string, error) {
	raw, ok := f.get(n)
	if !ok {
		return "", nil
	}
	if s, isString := strictjson.String(raw); isString {
		return s, nil
	}
	s, _, err := f.c.GetString(claimNames[n])
	return s, err
}

// time reads NumericDate claim n as token.Claims.GetTime does: zero when
// absent, an error matching token.ErrInvalidClaim when it is not a time.
// The whole seconds that issuers write are read here; anything else (a
// fraction, an exponent, a value of another type) is left to GetTime, the
// one home of the rule and its refusals, at the cost of a lookup.
func (f *found) time(n int) (time.Time, error) {
	raw, ok := f.get(n)
	if !ok {
		return time.Time{}, nil
	}
	if sec, whole := wholeSeconds(raw); whole {
		return time.Unix(sec, 0).UTC(), nil
	}
	t, _, err := f.c.GetTime(claimNames[n])
	return t, err
}

// wholeSeconds reads raw, a checked JSON value, when it is an integer of
// at most 11 digits: at most the year 5138, well within the NumericDates
// that GetTime accepts (up to the year 9999), so the answer is GetTime's.
func wholeSeconds(raw string) (int64, bool) {
	if len(raw) == 0 || len(raw) > 11 {
		return 0, false
	}
	var sec int64
	for i := 0; i < len(raw); i++ {
		d := raw[i] - '0'
		if d > 9 {
			return 0, false
		}
		sec = sec*10 + int64(d)
	}
	return sec, true
}

func (t *Token) decisionFields() [claimSID - claimNonce + 1]*string {
	return [...]*string{&t.Nonce, &t.ACR, &t.AuthorizedParty, &t.SessionID}
}

func (s *StandardClaims) stringFields() [claimPhoneNumber - claimName + 1]*string {
	return [...]*string{
		&s.Name, &s.GivenName, &s.FamilyName, &s.MiddleName,
		&s.Nickname, &s.PreferredUsername, &s.Profile, &s.Picture,
		&s.Website, &s.Email, &s.Gender, &s.Birthdate,
		&s.Zoneinfo, &s.Locale, &s.PhoneNumber,
	}
}

// readClaims fills t's typed claims from f, once per verified token.
//
// This runs on every validation, so it avoids reflection and encoding/json:
// f noted each claim in one walk over the members (find), and a string
// claim without escapes is a substring of the decoded payload that
// token.Claims already holds, so reading it allocates nothing. A claim of
// the wrong JSON type is refused with token.ErrInvalidClaim rather than
// read as a zero value.
func (t *Token) readClaims(f *found) error {
	for i, dst := range t.decisionFields() {
		s, err := f.str(claimNonce + i)
		if err != nil {
			return err
		}
		*dst = s
	}
	var err error
	if t.AuthTime, err = f.time(claimAuthTime); err != nil {
		return err
	}
	// amr, a list, is read by token.Claims' own reader, when the token has
	// it: one lookup, for a claim that is there.
	if f.has(claimAMR) {
		if t.AMR, _, err = f.c.GetStrings("amr"); err != nil {
			return err
		}
	}
	return t.StandardClaims.readFound(f)
}

// read fills s from c: a UserInfo answer's profile claims, as an ID
// token's are read (readFound).
func (s *StandardClaims) read(c *token.Claims) error {
	f := find(c)
	return s.readFound(&f)
}

// readFound fills s from the claims f noted: the ID token's profile claims
// and a UserInfo answer's alike. A claim sent as null reads as absent; one
// of another wrong JSON type is refused with token.ErrInvalidClaim.
func (s *StandardClaims) readFound(f *found) error {
	for i, dst := range s.stringFields() {
		n := claimName + i
		if raw, ok := f.get(n); ok && strictjson.IsNull(raw) {
			continue
		}
		v, err := f.str(n)
		if err != nil {
			return err
		}
		*dst = v
	}
	var err error
	if s.EmailVerified, err = profileBool(f, claimEmailVerified); err != nil {
		return err
	}
	if s.PhoneNumberVerified, err = profileBool(f, claimPhoneNumberVerified); err != nil {
		return err
	}
	if s.UpdatedAt, err = updatedAt(f); err != nil {
		return err
	}
	s.Address, err = address(f)
	return err
}

// profileBool reads boolean profile claim n. A string such as "true" is
// refused: a verified flag the issuer did not send as a boolean is not
// trusted to mean what it seems.
func profileBool(f *found, n int) (bool, error) {
	raw, ok := f.get(n)
	if !ok || strictjson.IsNull(raw) {
		return false, nil
	}
	b, isBool := strictjson.Bool(raw)
	if !isBool {
		return false, token.Errorf(token.ErrInvalidClaim, claimNames[n], "must be true or false; found %s", strictjson.Kind(raw))
	}
	return b, nil
}

// updatedAt reads updated_at as seconds since the epoch (OIDC Core §5.1) or,
// since some issuers send it so, as an RFC 3339 string.
func updatedAt(f *found) (time.Time, error) {
	raw, ok := f.get(claimUpdatedAt)
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
	return f.time(claimUpdatedAt)
}

// address reads the address claim, an object of strings (OIDC Core §5.1.1).
// Members other than the six defined ones are ignored.
func address(f *found) (*Address, error) {
	raw, ok := f.get(claimAddress)
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
