package accesstoken

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/internal/attackkit"
	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/scope"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestClaimNumbers: the switch that numbers a member's name and the table
// of names agree, name for name, and nothing else is numbered.
func TestClaimNumbers(t *testing.T) {
	seen := map[string]bool{}
	for n, name := range claimNames {
		if name == "" || seen[name] {
			t.Fatalf("claim %d has the name %q, empty or repeated", n, name)
		}
		seen[name] = true
		if got := claimNumber(name); got != n {
			t.Errorf("claimNumber(%q) = %d; want %d", name, got, n)
		}
		for _, other := range []string{strings.ToUpper(name), name + " ", name[:len(name)-1], "x" + name, ""} {
			if got := claimNumber(other); got != -1 && !seen[other] {
				t.Errorf("claimNumber(%q) = %d; want -1", other, got)
			}
		}
	}
	for _, name := range []string{"iss", "exp", "nbf", "cnf", "roles", "https://example.com/roles"} {
		if got := claimNumber(name); got != -1 {
			t.Errorf("claimNumber(%q) = %d; want -1", name, got)
		}
	}
	if numClaims > 64 {
		t.Errorf("%d claims do not fit found.present", numClaims)
	}
}

// TestOnePassReadsAsLookups generates JWT claim sets of the claims this
// package reads, each absent, good, null, of a wrong JSON type or written
// with an escaped name, several odd at once, and checks, for validators of
// every provider, strict or not, with and without Cognito app clients, and
// for tokens typed at+jwt, JWT or not at all, that the one-pass reader
// accepts and refuses exactly as the lookup by name per claim did before it
// (the ref functions below, kept as the reference): before the signature
// passValidators returns a validator of issuer for each configuration
// whose rules differ: strict RFC 9068, each provider's markers, Cognito's
// app clients. Most accept the client's own ID as an audience too, so
// that the rules for a token addressed to its own client, and each
// provider's marker, are reached.
func passValidators(tb testing.TB, issuer string, keys token.KeySource) []*Validator {
	tb.Helper()
	const api, client = "https://api.example", "client-1"
	var validators []*Validator
	for _, cfg := range []Config{
		{},
		{StrictRFC9068: true},
		{Audiences: []string{client}},
		{Audiences: []string{client}, Provider: EntraID},
		{Audiences: []string{client}, Provider: Keycloak},
		{Audiences: []string{client}, Provider: Okta},
		{Audiences: []string{client}, Provider: ZITADEL},
		{Audiences: []string{client}, Provider: Cognito},
		{Provider: Cognito, AppClientIDs: []string{client, "other-app"}},
	} {
		cfg.Issuer, cfg.Audience, cfg.Keys, cfg.CacheSize = issuer, api, keys, -1
		if cfg.Audiences != nil {
			cfg.Audience = ""
			cfg.Audiences = append(cfg.Audiences, api)
		}
		v, err := NewValidator(cfg)
		if err != nil {
			tb.Fatalf("%+v: %v", cfg, err)
		}
		validators = append(validators, v)
	}
	return validators
}

// and after it, the same Token, or the same sentinel, claim and message.
func TestOnePassReadsAsLookups(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	validators := passValidators(t, iss.URL(), iss.KeySource())
	values := []string{
		`"x"`, `"client-1"`, `"other-app"`, `"Bearer"`, `"ID"`, `"DPoP"`, `"at+jwt"`, `"access"`, `"id"`, `"app"`, `"2.0"`, `"1.0"`,
		`""`, `"read write"`, `"a\u0020b"`, `null`, `1`, `1700000000`, `true`, `[]`, `["a"]`, `["a","b"]`, `["a",1]`, `{}`, `{"jkt":1}`,
	}
	names := append(claimNames[:], "cnf", "x", "roles")
	auds := []string{``, `"https://api.example"`, `["https://api.example","client-1"]`, `"client-1"`, `"https://other.example"`, `[]`}
	types := []string{"", "JWT", "at+jwt"}
	rng := rand.New(rand.NewPCG(9068, 7662))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	accepted, refusals := 0, map[string]bool{}
	for i := range 30000 {
		var b strings.Builder
		b.WriteString(`{"iss":"` + iss.URL() + `"`)
		if aud := pick(auds); aud != "" {
			b.WriteString(`,"aud":` + aud)
		}
		used := map[string]bool{"aud": true}
		// Claims that make a token pass usually come first: a client, a
		// grant, an iat and a jti.
		for _, m := range []string{`"client_id":"client-1"`, `"scope":"read"`, `"iat":1700000000`, `"jti":"j"`, `"sub":"s"`} {
			if rng.IntN(2) == 0 {
				b.WriteString("," + m)
				used[m[1:strings.IndexByte(m[1:], '"')+1]] = true
			}
		}
		// Names are kept apart by their folded form: the strict parser
		// refuses two names equal but for case.
		for range rng.IntN(9) {
			name := pick(names)
			if used[strings.ToLower(name)] {
				continue
			}
			used[strings.ToLower(name)] = true
			fmt.Fprintf(&b, `,"%s":%s`, attackkit.SpellName(rng, name), pick(values))
		}
		b.WriteString("}")
		doc := b.String()
		c, err := token.ParseClaims([]byte(doc))
		if err != nil {
			continue // a registered claim of the wrong type: the pipeline's refusal
		}
		h := token.Header{Algorithm: "RS256", Type: pick(types)}
		verified := &token.Verified{Raw: "raw", Claims: *c, Header: h}
		for vi, v := range validators {
			gotPre, wantPre := v.checkBeforeSignature(&h, c), refCheckBeforeSignature(v, &h, c)
			if !sameRefusal(gotPre, wantPre) {
				t.Fatalf("set %d, validator %d, typ %q, before the signature %s:\none pass: %v\nlookups:  %v", i, vi, h.Type, doc, gotPre, wantPre)
			}
			var got, want Token
			gotErr, wantErr := v.fromJWT(verified, &got), refFromJWT(v, verified, &want)
			if !sameRefusal(gotErr, wantErr) {
				t.Fatalf("set %d, validator %d, typ %q, %s:\none pass: %v\nlookups:  %v", i, vi, h.Type, doc, gotErr, wantErr)
			}
			if gotErr != nil {
				var ve *token.ValidationError
				errors.As(gotErr, &ve)
				refusals[fmt.Sprint(ve.Kind, ve.Claim)] = true
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("set %d, validator %d, %s:\none pass: %+v\nlookups:  %+v", i, vi, doc, got, want)
			}
			accepted++
		}
	}
	// The sets must reach both outcomes, and many refusals, or this test
	// would compare little.
	if accepted < 5000 || len(refusals) < 25 {
		t.Errorf("the generated sets reached too few outcomes: %d accepted, refusals %v", accepted, refusals)
	}
}

// sameRefusal reports whether a and b are both nil, or refusals with the
// same sentinel, claim and words.
func sameRefusal(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ea, eb *token.ValidationError
	if !errors.As(a, &ea) || !errors.As(b, &eb) {
		return a.Error() == b.Error()
	}
	return ea.Kind == eb.Kind && ea.Claim == eb.Claim && a.Error() == b.Error()
}

// The JWT rules as they were when every claim was looked up by name: the
// reference the one-pass reader must agree with.

func refCheckBeforeSignature(v *Validator, h *token.Header, c *token.Claims) error {
	r := v.rulesFor(c.Issuer)
	var err error
	if len(r.appClients) > 0 && !c.Has("aud") {
		if use, ok := c.RawJSON("token_use"); !ok || !strictjson.StringEqual(use, "access") {
			err = token.Errorf(token.ErrTokenType, "token_use",
				"the token has no aud and is not an access token by its token_use; only Cognito access tokens (token_use \"access\") are accepted without aud")
		} else if clientID, _, e := refClientIDOf(c); e != nil {
			err = e
		} else if !slices.Contains(r.appClients, clientID) {
			err = token.Errorf(token.ErrAudience, "client_id", "the token has no aud and its client_id is not one of the accepted app clients").
				WithDetail("client_id is %s; accepted: %s", excerpt.Quote(clientID), quoteList(r.appClients))
		}
	} else {
		err = r.checkAudience(c.Audience, c)
	}
	if err == nil {
		return nil
	}
	if _, e := refClassify(v, h, c); e != nil {
		return e
	}
	return err
}

func refFromJWT(v *Validator, ver *token.Verified, t *Token) error {
	c := &ver.Claims
	clientID, err := refClassify(v, &ver.Header, c)
	if err != nil {
		return err
	}
	*t = Token{Subject: c.Subject, Issuer: c.Issuer, Audience: c.Audience, ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt,
		NotBefore: c.NotBefore, ID: c.ID, ClientID: clientID, Raw: ver.Raw, claims: c}
	if t.Scopes, err = refScopesOf(c); err != nil {
		return err
	}
	if t.Permissions, err = refPermissionsOf(c); err != nil {
		return err
	}
	t.Confirmation, err = jwtConfirmation(c)
	return err
}

func refClassify(v *Validator, h *token.Header, c *token.Claims) (string, error) {
	for _, name := range []string{"nonce", "at_hash", "c_hash"} {
		if c.Has(name) {
			return "", token.Errorf(token.ErrTokenType, name,
				"the token carries %s, a claim of OpenID Connect ID tokens; an ID token is for the client application and is never accepted as an access token", name)
		}
	}
	if c.Has("events") {
		return "", token.Errorf(token.ErrTokenType, "events",
			"the token carries events: it is a security event token, such as a back-channel logout token, not an access token")
	}
	if s, ok := refStringClaim(c, "typ"); ok && !accessTyp(s) {
		if s == "ID" {
			return "", token.Errorf(token.ErrTokenType, "typ", "the token's typ claim is \"ID\": it is an ID token (Keycloak), not an access token")
		}
		return "", token.Errorf(token.ErrTokenType, "typ", "the token's typ claim is not \"Bearer\": it is not an access token").
			WithDetail("typ is %s", excerpt.Quote(s))
	}
	if s, ok := refStringClaim(c, "token_use"); ok && !accessUse(s) {
		if s == "id" {
			return "", token.Errorf(token.ErrTokenType, "token_use", "token_use is \"id\": it is an ID token (Amazon Cognito), not an access token")
		}
		return "", token.Errorf(token.ErrTokenType, "token_use", "token_use does not name an access token").
			WithDetail("token_use is %s", excerpt.Quote(s))
	}
	typed := mediaType(h.Type) == typAccessToken
	if typed || v.strict {
		for _, rc := range []struct {
			name  string
			typed bool
		}{{"aud", true}, {"iat", true}, {"jti", true}, {"sub", false}, {"client_id", false}} {
			if (v.strict || rc.typed) && !c.Has(rc.name) {
				return "", token.Errorf(token.ErrMissingClaim, rc.name,
					"the token is typed \"at+jwt\" but has no %s; RFC 9068 §2.2 requires it of every JWT access token of that profile", rc.name)
			}
		}
	}
	return refCheckShape(v.rulesFor(c.Issuer), c, typed)
}

func refStringClaim(c *token.Claims, name string) (string, bool) {
	raw, ok := c.RawJSON(name)
	if !ok {
		return "", false
	}
	return strictjson.String(raw)
}

func refCheckShape(r *issuerRules, c *token.Claims, typed bool) (string, error) {
	clientID, named, err := refClientIDOf(c)
	if err != nil {
		return "", err
	}
	if !named {
		return "", token.Errorf(token.ErrTokenType, "client_id",
			"the token names no client (client_id, azp, cid or appid), as every access token does; an ID token names its client in aud instead and is never accepted as an access token")
	}
	if typed {
		return clientID, nil
	}
	selfAddressed := slices.Contains(c.Audience, clientID)
	if selfAddressed && r.accepts(clientID) && !refMarksAccessToken(r.provider, c) {
		return "", token.Errorf(token.ErrTokenType, "aud",
			"the token's audience includes the client it was issued to, as an ID token's does; an access token is for an API").
			WithDetail("the client is %s; this API accepts the client's own ID as an audience; if this API and the client share an identifier, have the issuer type access tokens \"at+jwt\" (RFC 9068), or name the provider in Config.Provider so its own access-token markers count",
				excerpt.Quote(clientID))
	}
	grant := false
	for _, name := range []string{"scope", "scp", "permissions", "gty", "azpacr", "appidacr", "cid", "appid"} {
		grant = grant || c.Has(name)
	}
	if s, ok := refStringClaim(c, "typ"); ok && accessTyp(s) {
		grant = true
	}
	if s, ok := refStringClaim(c, "token_use"); ok && accessUse(s) {
		grant = true
	}
	if grant {
		return clientID, nil
	}
	if !selfAddressed {
		if _, ok := refStringClaim(c, "client_id"); !ok {
			return "", token.Errorf(token.ErrTokenType, "azp",
				"the token names its client only in azp, for an audience other than that client, and grants nothing (no scope, scp or permissions): the shape of an ID token issued to one client for another, never accepted as an access token")
		}
	}
	if selfAddressed {
		for _, name := range []string{
			"auth_time", "amr", "acr", "sid",
			"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
			"profile", "picture", "website", "email", "email_verified", "gender", "birthdate",
			"zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at",
		} {
			if c.Has(name) {
				return "", token.Errorf(token.ErrTokenType, name,
					"the token is addressed to its own client and tells of the user's login (%s) but grants nothing (no scope, scp or permissions): the shape of an ID token, never accepted as an access token", name)
			}
		}
	}
	return clientID, nil
}

func refMarksAccessToken(p Provider, c *token.Claims) bool {
	switch p {
	case EntraID:
		ver, ok := c.RawJSON("ver")
		if !ok || !(strictjson.StringEqual(ver, "2.0") || strictjson.StringEqual(ver, "1.0")) {
			return false
		}
		if idtyp, ok := c.RawJSON("idtyp"); ok && (strictjson.StringEqual(idtyp, "app") || strictjson.StringEqual(idtyp, "user")) {
			return true
		}
		return c.Has("scp") || c.Has("azpacr") || c.Has("appidacr")
	case Keycloak:
		typ, ok := c.RawJSON("typ")
		return ok && strictjson.StringEqual(typ, "Bearer")
	case Cognito:
		use, ok := c.RawJSON("token_use")
		return ok && strictjson.StringEqual(use, "access")
	case Okta:
		return c.Has("cid") && c.Has("scp")
	case ZITADEL:
		return c.Has("jti") && !c.Has("auth_time")
	}
	return false
}

func refClientIDOf(c *token.Claims) (id string, named bool, err error) {
	for _, name := range []string{"client_id", "azp", "cid", "appid"} {
		s, ok, err := c.GetString(name)
		if err != nil {
			return "", false, err
		}
		if !ok || s == "" {
			continue
		}
		if !named {
			id, named = s, true
		} else if name == "azp" && s != id {
			return "", false, token.Errorf(token.ErrInvalidClaim, "azp", "client_id and azp name different clients; they must name the same one")
		}
	}
	return id, named, nil
}

func refScopesOf(c *token.Claims) ([]string, error) {
	var scopes []string
	s, hasScope, err := c.GetString("scope")
	if err != nil {
		raw, _ := c.RawJSON("scope")
		return nil, token.Errorf(token.ErrInvalidClaim, "scope", "must be a space-separated string; found %s", strictjson.Kind(raw))
	}
	if hasScope {
		scopes = scope.Split(s)
	}
	raw, hasSCP := c.RawJSON("scp")
	if !hasSCP {
		return scopes, nil
	}
	var list []string
	if s, ok, _ := c.GetString("scp"); ok {
		list = scope.Split(s)
	} else if len(raw) > 0 && raw[0] == '[' {
		if list, _, err = c.GetStrings("scp"); err != nil {
			return nil, err
		}
	} else {
		return nil, token.Errorf(token.ErrInvalidClaim, "scp", "must be a space-separated string or an array of strings; found %s", strictjson.Kind(raw))
	}
	if hasScope {
		return scopes, nil
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

func refPermissionsOf(c *token.Claims) ([]string, error) {
	list, ok, err := c.GetStrings("permissions")
	if !ok && err == nil {
		return nil, nil
	}
	if err != nil || len(list) == 1 {
		raw, _ := c.RawJSON("permissions")
		if len(raw) == 0 || raw[0] != '[' {
			return nil, token.Errorf(token.ErrInvalidClaim, "permissions", "must be an array of strings; found %s", strictjson.Kind(raw))
		}
		if err != nil {
			if checked, cerr := strictjson.Check([]byte(raw), token.MaxClaimsDepth); cerr == nil {
				_, err = stringArray("permissions", checked)
			}
			return nil, err
		}
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

// FuzzOnePassReadsAsLookups: for any claims set and header typ, the
// one-pass rules and the lookup by name per claim accept and refuse alike,
// before the signature and after it, with the generic rules and with

// Keycloak's.
func FuzzOnePassReadsAsLookups(f *testing.F) {
	for _, doc := range []string{
		`{"iss":"https://i/","aud":"https://api.example","client_id":"c","scope":"a b","iat":1,"jti":"j"}`,
		`{"iss":"https://i/","aud":["https://api.example","c"],"azp":"c","typ":"Bearer","permissions":["p"]}`,
		`{"iss":"https://i/","aud":"https://other","cid":"c","scp":["a"],"n\u006fnce":"x"}`,
		`{"iss":"https://i/","aud":"c","client_id":"c","auth_time":1,"cnf":{"jkt":1}}`,
		// Names in another case are other claims; escaped ones are the same.
		`{"iss":"https://i/","aud":"https://api.example","NONCE":"x","Client_ID":"c","TYP":"ID","sc\u006Fpe":"a"}`,
		`{"iss":"https://i/","aud":"c","\u0063lient_id":"c","Token_Use":"id","s\u0063p":["a"]}`,
	} {
		f.Add(doc, "at+jwt")
		f.Add(doc, "")
	}
	iss := tokentest.NewIssuer(f)
	// Every configuration the generated test compares, and one that
	// accepts "c", the client the seeds name, as an audience.
	validators := passValidators(f, "https://i/", iss.KeySource())
	for _, p := range []Provider{AnyProvider, Keycloak} {
		v, err := NewValidator(Config{Issuer: "https://i/", Audiences: []string{"https://api.example", "c"}, Provider: p, Keys: iss.KeySource(), CacheSize: -1})
		if err != nil {
			f.Fatal(err)
		}
		validators = append(validators, v)
	}
	f.Fuzz(func(t *testing.T, doc, typ string) {
		c, err := token.ParseClaims([]byte(doc))
		if err != nil {
			return
		}
		h := token.Header{Algorithm: "RS256", Type: typ}
		verified := &token.Verified{Raw: "raw", Claims: *c, Header: h}
		for _, v := range validators {
			if got, want := v.checkBeforeSignature(&h, c), refCheckBeforeSignature(v, &h, c); !sameRefusal(got, want) {
				t.Fatalf("before the signature:\none pass: %v\nlookups:  %v", got, want)
			}
			var got, want Token
			gotErr, wantErr := v.fromJWT(verified, &got), refFromJWT(v, verified, &want)
			if !sameRefusal(gotErr, wantErr) {
				t.Fatalf("one pass: %v\nlookups:  %v", gotErr, wantErr)
			}
			if gotErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("one pass: %+v\nlookups:  %+v", got, want)
			}
		}
	})
}
