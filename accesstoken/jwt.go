package accesstoken

import (
	"context"
	"slices"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// rfc9068Claims is the decision, claim by claim, on what RFC 9068 §2.2
// requires beyond iss and exp (which the pipeline requires of every token):
// Config.StrictRFC9068 requires them all; a token that declares the profile
// by its typ "at+jwt" is held to those marked typed even without it. The
// decision follows what the issuers that type their tokens "at+jwt" really
// send (Auth0's RFC 9068 profile, Duende IdentityServer, Keycloak, panva's
// oidc-provider): see the package documentation.
var rfc9068Claims = [...]struct {
	claim int // the claim's number (see claimNumber)
	typed bool
}{
	{claimAud, true},       // required of every access token anyway
	{claimIat, true},       // every at+jwt issuer sends it
	{claimJti, true},       // every at+jwt issuer sends it
	{claimSub, false},      // IdentityServer leaves it out of client-credentials tokens
	{claimClientID, false}, // Keycloak names the client in azp; some client claim is required of every token
}

// typ kinds, as mediaType classifies a header's typ.
const (
	typAbsent      = iota
	typAccessToken // at+jwt
	typJWT         // JWT, the generic type
	typOther
)

// mediaType classifies a typ value, as token.MediaTypeIs compares them.
func mediaType(typ string) int {
	switch {
	case typ == "":
		return typAbsent
	case token.MediaTypeIs(typ, "at+jwt"):
		return typAccessToken
	case token.MediaTypeIs(typ, "JWT"):
		return typJWT
	}
	return typOther
}

// checkHeader is the pipeline's CheckHeader hook: it runs before any key is
// fetched, so a token of the wrong type costs nothing.
func (v *Validator) checkHeader(h *token.Header) error {
	switch mediaType(h.Type) {
	case typAccessToken:
		return nil
	case typAbsent:
		if _, present := h.Get("typ"); present {
			return token.Errorf(token.ErrTokenType, "header.typ", "typ is empty; an access token is typed \"at+jwt\"")
		}
		if v.strict {
			return token.Errorf(token.ErrTokenType, "header.typ", "the header has no typ; RFC 9068 requires \"at+jwt\"")
		}
		return nil
	case typJWT:
		if v.strict {
			return token.Errorf(token.ErrTokenType, "header.typ", "typ is %q; RFC 9068 requires \"at+jwt\"", h.Type)
		}
		return nil
	}
	return token.Errorf(token.ErrTokenType, "header.typ", "typ is %s; an access token is typed \"at+jwt\" (or \"JWT\")", excerpt.Quote(h.Type))
}

// cacheHit finishes a validation the verified-token cache answered with e.
// The cache checked exp and that the signing key is still published; nbf
// and iat are checked again too, for a clock that went back. The caller
// gets a new Token (see cached.token).
func (v *Validator) cacheHit(ctx context.Context, e *cached, raw string, now time.Time) (*Token, error) {
	if err := token.CheckTimeClaims(e.times[0], e.times[2], e.times[1], now, v.leeway, v.strict); err != nil {
		return nil, err
	}
	if v.introJWTs {
		if _, err := v.introspect(ctx, raw); err != nil {
			return nil, err
		}
	}
	return e.token(raw), nil
}

// validateJWT validates a JWT access token through the pipeline and this
// package's rules, and remembers it in the cache.
func (v *Validator) validateJWT(ctx context.Context, raw string, now time.Time) (*Token, error) {
	if v.verifier == nil {
		return nil, token.Errorf(token.ErrTokenType, "", "the token has the form of a JWT, and JWT access tokens are not accepted here").
			WithDetail("this validator has no Keys (Config.Keys) to verify JWTs; it accepts only opaque tokens, resolved by introspection")
	}
	// The Token and the pipeline's Verified, which holds the claims the
	// Token reads, are allocated together: one allocation, not two.
	r, err := token.VerifyFor[Token](ctx, v.verifier, raw)
	if err != nil {
		return nil, err
	}
	ver, t := &r.Verified, &r.Value
	if err := v.fromJWT(ver, t); err != nil {
		return nil, err
	}
	if err := token.CheckAll(t.claims, v.require); err != nil {
		return nil, err
	}
	if v.introJWTs {
		if _, err := v.introspect(ctx, raw); err != nil {
			return nil, err
		}
	}
	// The caller gets t; the cache keeps what a hit needs (newCached), until
	// exp plus the leeway, with the key source of the token's issuer, which
	// alone is asked whether the key is still published.
	if v.cache != nil {
		if e, ok := newCached(t, ver.Keys, ver.Key, ver.Header.KeyID != ""); ok {
			v.cache.Add(raw, e, t.ExpiresAt.Add(v.leeway), now)
		}
	}
	return t, nil
}

// checkBeforeSignature is the pipeline's CheckClaims hook: the audience
// rules of the token's issuer (the pipeline routed it by iss first, so the
// issuer is a trusted one), which need no signature, so that a token for
// another API costs a fraction of a verification. When the audience is
// wrong, the rules that come before it in fromJWT are applied first, so the
// token is refused with the sentinel it would have met after the signature
// (an ID token sent to an API is ErrTokenType, whatever its audience).
// Nothing it says quotes the unverified claims.
func (v *Validator) checkBeforeSignature(h *token.Header, c *token.Claims) error {
	r := v.rulesFor(c.Issuer)
	if len(r.appClients) == 0 && r.acceptsAny(c.Audience) {
		// The usual token: its aud decides, and no other claim is read.
		return nil
	}
	f := find(c)
	err := r.checkJWTAudience(c, &f)
	if err == nil {
		return nil
	}
	if _, e := v.classify(h, c, &f); e != nil {
		return e
	}
	return err
}

// fromJWT applies the access token rules to a token that passed the pipeline
// (signature, algorithm, typ, iss and times) and fills t, a new (zero)
// Token.
func (v *Validator) fromJWT(ver *token.Verified, t *Token) error {
	c := &ver.Claims
	// One walk over the members notes every claim the rules read; they
	// then read them in a fixed order, so that a token with several bad
	// claims always meets the same refusal first.
	f := find(c)
	clientID, err := v.classify(&ver.Header, c, &f)
	if err != nil {
		return err
	}
	// The pipeline checked the audience (checkBeforeSignature). t is new
	// and zero: its fields are set in place, where assigning a Token
	// literal would copy all of it, under the collector's bulk barrier
	// while a collection runs.
	t.Issuer, t.Subject, t.Audience, t.ID = c.Issuer, c.Subject, c.Audience, c.ID
	t.ExpiresAt, t.IssuedAt, t.NotBefore = c.ExpiresAt, c.IssuedAt, c.NotBefore
	t.ClientID, t.Raw, t.claims = clientID, ver.Raw, c
	if t.Scopes, err = scopesOf(&f); err != nil {
		return err
	}
	if t.Permissions, err = permissionsOf(&f); err != nil {
		return err
	}
	if t.Confirmation, err = jwtConfirmation(c); err != nil {
		return err
	}
	return nil
}

// classify applies the rules that tell an access token from other tokens
// (an ID token above all), with the provider rules of the token's issuer,
// and returns the client the token names. f is what find noted of c. It
// needs no signature and quotes none of the token's values, so the
// pipeline may run it before the signature (checkBeforeSignature).
func (v *Validator) classify(h *token.Header, c *token.Claims, f *found) (clientID string, err error) {
	if err := checkMarkers(f); err != nil {
		return "", err
	}
	typed := mediaType(h.Type) == typAccessToken
	if typed || v.strict {
		for _, rc := range rfc9068Claims {
			if (v.strict || rc.typed) && !f.has(rc.claim) {
				name := claimNames[rc.claim]
				return "", token.Errorf(token.ErrMissingClaim, name,
					"the token is typed \"at+jwt\" but has no %s; RFC 9068 §2.2 requires it of every JWT access token of that profile", name)
			}
		}
	}
	return v.rulesFor(c.Issuer).checkShape(c, f, typed)
}

// checkJWTAudience applies the audience rules to a JWT's claims: aud names
// one of the accepted API identifiers or, for Cognito with AppClientIDs
// only, a token without aud is an access token by its token_use and names
// one of those app clients in client_id. It runs before the signature, so
// its messages quote none of the token's values but in Detail.
func (r *issuerRules) checkJWTAudience(c *token.Claims, f *found) error {
	if len(r.appClients) > 0 && !f.has(claimAud) {
		if !isCognitoAccess(f) {
			return token.Errorf(token.ErrTokenType, "token_use",
				"the token has no aud and is not an access token by its token_use; only Cognito access tokens (token_use \"access\") are accepted without aud")
		}
		clientID, _, err := clientIDOf(f)
		if err != nil {
			return err
		}
		if !slices.Contains(r.appClients, clientID) {
			return token.Errorf(token.ErrAudience, "client_id", "the token has no aud and its client_id is not one of the accepted app clients").
				WithDetail("client_id is %s; accepted: %s", excerpt.Quote(clientID), quoteList(r.appClients))
		}
		return nil
	}
	return r.checkAudience(c.Audience, c)
}

// acceptsAny reports whether aud names one of the accepted API
// identifiers.
func (r *issuerRules) acceptsAny(aud []string) bool {
	for _, a := range aud {
		if r.accepts(a) {
			return true
		}
	}
	return false
}

// checkAudience requires aud to name one of the accepted API identifiers.
// c is the JWT's claims, which tell a missing aud from an empty one, or nil
// for an introspection answer.
func (r *issuerRules) checkAudience(aud []string, c *token.Claims) error {
	if r.acceptsAny(aud) {
		return nil
	}
	if c != nil && !c.Has("aud") {
		return token.Errorf(token.ErrMissingClaim, "aud", "the token has no audience").WithDetail("expected %s", r.audienceList())
	}
	// A token for another API is refused often, and before its signature
	// is checked: the error is put together without formatting, in a
	// buffer on the stack when the sentence fits.
	expected := r.audienceList()
	var buf [256]byte
	detail := append(buf[:0], "the token is for "...)
	if len(aud) == 0 {
		detail = append(detail, "no audience"...)
	}
	detail = append(appendQuoted(detail, aud), "; expected "...)
	return &token.ValidationError{Kind: token.ErrAudience, Claim: "aud", Reason: "the token's audience does not include this API",
		Detail: string(append(detail, expected...))}
}

// audienceList names the accepted audiences for a refusal's Detail.
func (r *issuerRules) audienceList() string {
	if r.expected != "" {
		return r.expected
	}
	return describeAudiences(r.audiences)
}

// describeAudiences words a list of accepted audiences, once per issuer.
func describeAudiences(audiences []string) string {
	switch len(audiences) {
	case 0:
		return "no audience (only Cognito app clients without aud)"
	case 1:
		return excerpt.Quote(audiences[0])
	}
	return "one of " + quoteList(audiences)
}

// quoteList writes at most a few values, each truncated, so an error message
// stays short whatever the token holds.
func quoteList(list []string) string {
	if len(list) == 0 {
		return "no audience"
	}
	return string(appendQuoted(nil, list))
}

// appendQuoted appends what quoteList writes to b: each value quoted as
// excerpt.Quote quotes it, without a string of its own.
func appendQuoted(b []byte, list []string) []byte {
	for i, s := range list {
		if i == 4 {
			b = append(b, ", …"...)
			break
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = excerpt.AppendQuoted(b, s)
	}
	return b
}

// The claims of a JWT this package reads, numbered: a walk over the token's
// members (find) notes where each of them is, and the rules read them from
// that note. Each group is in the order its rule reads it, which is the
// order in which a token with several bad claims meets its refusals.
const (
	// idTokenOnly, then the other markers checkMarkers reads.
	claimNonce = iota
	claimAtHash
	claimCHash
	claimEvents
	claimTyp
	claimTokenUse
	// RFC 9068's registered claims (rfc9068Claims), noted to tell absent
	// from empty.
	claimAud
	claimIat
	claimJti
	claimSub
	// clientClaims.
	claimClientID
	claimAZP
	claimCID
	claimAppID
	// grantClaims besides cid and appid.
	claimScope
	claimSCP
	claimPermissions
	claimGty
	claimAzpacr
	claimAppidacr
	// Entra ID's markers (Provider.marksAccessToken).
	claimVer
	claimIdtyp
	// loginClaims.
	claimAuthTime
	claimAMR
	claimACR
	claimSID
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
	claimEmailVerified
	claimGender
	claimBirthdate
	claimZoneinfo
	claimLocale
	claimPhoneNumber
	claimPhoneNumberVerified
	claimAddress
	claimUpdatedAt
	numClaims
)

// claimNames are the names of the claims above, by number.
// present is a uint64 with a bit for each claim: a claim numbered 64 or
// more would always read as absent, so numClaims over 64 fails to compile.
var _ [64 - numClaims]struct{}

var claimNames = [numClaims]string{
	claimNonce: "nonce", claimAtHash: "at_hash", claimCHash: "c_hash", claimEvents: "events", claimTyp: "typ", claimTokenUse: "token_use",
	claimAud: "aud", claimIat: "iat", claimJti: "jti", claimSub: "sub",
	claimClientID: "client_id", claimAZP: "azp", claimCID: "cid", claimAppID: "appid",
	claimScope: "scope", claimSCP: "scp", claimPermissions: "permissions", claimGty: "gty", claimAzpacr: "azpacr", claimAppidacr: "appidacr",
	claimVer: "ver", claimIdtyp: "idtyp",
	claimAuthTime: "auth_time", claimAMR: "amr", claimACR: "acr", claimSID: "sid",
	claimName: "name", claimGivenName: "given_name", claimFamilyName: "family_name", claimMiddleName: "middle_name",
	claimNickname: "nickname", claimPreferredUsername: "preferred_username", claimProfile: "profile", claimPicture: "picture",
	claimWebsite: "website", claimEmail: "email", claimEmailVerified: "email_verified", claimGender: "gender",
	claimBirthdate: "birthdate", claimZoneinfo: "zoneinfo", claimLocale: "locale", claimPhoneNumber: "phone_number",
	claimPhoneNumberVerified: "phone_number_verified", claimAddress: "address", claimUpdatedAt: "updated_at",
}

// claimNumber returns the number of the claim named name, or -1 for a claim
// this package does not read. A switch, which the compiler turns into a
// jump on the length and a few comparisons, costs a fraction of a hashed
// lookup; TestClaimNumbers checks it against claimNames.
func claimNumber(name string) int {
	switch name {
	case "nonce":
		return claimNonce
	case "at_hash":
		return claimAtHash
	case "c_hash":
		return claimCHash
	case "events":
		return claimEvents
	case "typ":
		return claimTyp
	case "token_use":
		return claimTokenUse
	case "aud":
		return claimAud
	case "iat":
		return claimIat
	case "jti":
		return claimJti
	case "sub":
		return claimSub
	case "client_id":
		return claimClientID
	case "azp":
		return claimAZP
	case "cid":
		return claimCID
	case "appid":
		return claimAppID
	case "scope":
		return claimScope
	case "scp":
		return claimSCP
	case "permissions":
		return claimPermissions
	case "gty":
		return claimGty
	case "azpacr":
		return claimAzpacr
	case "appidacr":
		return claimAppidacr
	case "ver":
		return claimVer
	case "idtyp":
		return claimIdtyp
	case "auth_time":
		return claimAuthTime
	case "amr":
		return claimAMR
	case "acr":
		return claimACR
	case "sid":
		return claimSID
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
	case "email_verified":
		return claimEmailVerified
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
	case "phone_number_verified":
		return claimPhoneNumberVerified
	case "address":
		return claimAddress
	case "updated_at":
		return claimUpdatedAt
	}
	return -1
}

// found is what one walk over a JWT's members noted: the raw JSON of each
// claim this package reads, by number, and which are present. It lives on
// the caller's stack.
//
// The walk replaces a lookup by name per claim: the rules read some twenty
// claims of a usual token, many of them absent, and each lookup hashed the
// name and probed the claims' index, where the walk costs a switch on each
// member's name.
type found struct {
	c       *token.Claims // the claims walked, for the readers that need them
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

// str returns claim n when it is present and a string.
func (f *found) str(n int) (string, bool) {
	raw, ok := f.get(n)
	if !ok {
		return "", false
	}
	return strictjson.String(raw)
}

// getString reads claim n as token.Claims.GetString does: ok is false when
// it is absent, and a claim that is not a string is an error matching
// token.ErrInvalidClaim, worded by GetString itself (only that rare path
// looks the claim up by name).
func (f *found) getString(n int) (s string, ok bool, err error) {
	raw, present := f.get(n)
	if !present {
		return "", false, nil
	}
	if s, isString := strictjson.String(raw); isString {
		return s, true, nil
	}
	return f.c.GetString(claimNames[n])
}
