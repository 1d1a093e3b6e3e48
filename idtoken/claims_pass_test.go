package idtoken

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/attackkit"
	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// TestClaimNumbers: the switch that numbers a member's name and the table
// of names agree, name for name, and nothing else is numbered: a name
// differing by case or by a byte is a claim this package does not read.
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
	for _, name := range []string{"iss", "aud", "exp", "iat", "nbf", "jti", "at_hash", "c_hash", "https://example.com/roles"} {
		if got := claimNumber(name); got != -1 {
			t.Errorf("claimNumber(%q) = %d; want -1", name, got)
		}
	}
}

// TestWholeSecondsReadAsGetTime: the fast path for NumericDates reads
// every value it takes as token.Claims.GetTime does, and leaves every
// other value, right or wrong, to GetTime.
func TestWholeSecondsReadAsGetTime(t *testing.T) {
	for _, raw := range []string{
		"0", "1", "1700000000", "99999999999", "100000000000", "253402300799", "253402300800",
		"1700000000.5", "1.7e9", "1700000000.0", "-1", "-0", "0.0", `"1700000000"`, "true", "null", "[1]", "1E3",
	} {
		c, err := token.ParseClaims([]byte(`{"auth_time":` + raw + `}`))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		f := find(c)
		got, gotErr := f.time(claimAuthTime)
		want, _, wantErr := c.GetTime("auth_time")
		if !got.Equal(want) || got.Location() != want.Location() || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s: read %v, %v; GetTime gives %v, %v", raw, got, gotErr, want, wantErr)
		}
		if sec, whole := wholeSeconds(raw); whole && time.Unix(sec, 0).UTC() != want {
			t.Errorf("%s: wholeSeconds read %d, GetTime %v", raw, sec, want)
		}
	}
}

// TestOnePassReadsAsLookups generates claim sets of the claims this package
// reads, each absent, good, null, of a wrong JSON type or written with an
// escaped name, several wrong at once, and checks that the one-pass reader
// accepts and refuses exactly as the lookup by name per claim did before
// it (refLookupAccept, kept here as the reference): the same Token, or the
// same sentinel, claim and message.
func TestOnePassReadsAsLookups(t *testing.T) {
	v := &Validator{clientID: "client-1", expectClient: expectClient("client-1")}
	values := map[string][]string{
		"string": {`"x"`, `"Bearer"`, `"bearer"`, `"id"`, `"client-1"`, `"a\"b\u00e9"`, `""`, `"2024-05-01T12:34:56Z"`, `"not a time"`},
		"other":  {`null`, `1`, `1700000000`, `1700000000.25`, `-3`, `true`, `false`, `[]`, `["pwd","mfa"]`, `["pwd",1]`, `{}`, `{"country":"US","region":null}`, `{"country":5}`},
	}
	names := append(claimNames[:], "iss", "aud", "x", "at_hash")
	rng := rand.New(rand.NewPCG(17, 4))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	outcomes := map[string]int{}
	for i := range 20000 {
		var b strings.Builder
		// The registered claims may be escaped too (never recased: the
		// pipeline's own reading of them is not what this compares).
		escaped := func(name string) string {
			if rng.IntN(6) != 0 {
				return name
			}
			j := rng.IntN(len(name))
			return name[:j] + fmt.Sprintf(`\u%04X`, name[j]) + name[j+1:]
		}
		fmt.Fprintf(&b, `{"%s":"https://issuer.example/"`, escaped("iss"))
		aud := `"client-1"`
		if rng.IntN(4) == 0 {
			aud = `["client-1","other"]`
		}
		fmt.Fprintf(&b, `,"%s":%s`, escaped("aud"), aud)
		if rng.IntN(8) != 0 {
			fmt.Fprintf(&b, `,"%s":"u"`, escaped("sub"))
		} else if rng.IntN(2) == 0 {
			b.WriteString(`,"sub":""`)
		}
		// A few claims per set, usually right, often wrong. Names are
		// kept apart by their folded form: the strict parser refuses two
		// names equal but for case, which is not what this compares.
		used := map[string]bool{"iss": true, "aud": true, "sub": true}
		for range rng.IntN(10) {
			name := pick(names)
			if used[strings.ToLower(name)] {
				continue
			}
			used[strings.ToLower(name)] = true
			value := pick(values["string"])
			if rng.IntN(3) == 0 {
				value = pick(values["other"])
			}
			fmt.Fprintf(&b, `,"%s":%s`, attackkit.SpellName(rng, name), value)
		}
		b.WriteString("}")
		doc := b.String()
		c, err := token.ParseClaims([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		verified := &token.Verified{Raw: "raw", Claims: *c}
		var got, want Token
		gotErr := v.accept(verified, &got)
		wantErr := refLookupAccept(v, verified, &want)
		if !sameRefusal(gotErr, wantErr) {
			t.Fatalf("set %d %s:\none pass: %v\nlookups:  %v", i, doc, gotErr, wantErr)
		}
		if gotErr == nil {
			got.claims, want.claims = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("set %d %s:\none pass: %+v\nlookups:  %+v", i, doc, got, want)
			}
			outcomes["accepted"]++
		} else {
			var ve *token.ValidationError
			errors.As(gotErr, &ve)
			outcomes[ve.Claim]++
		}
	}
	// The sets must reach both outcomes, and many claims' refusals, or
	// this test would compare little.
	if outcomes["accepted"] < 1000 || len(outcomes) < 20 {
		t.Errorf("the generated sets reached too few outcomes: %v", outcomes)
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

// refLookupAccept is accept as it was when every claim was looked up by
// name (token.Claims' RawJSON, GetString, GetTime, GetStrings, Has): the
// reference the one-pass reader must agree with.
func refLookupAccept(v *Validator, verified *token.Verified, t *Token) error {
	c := &verified.Claims
	if c.Has("client_id") {
		return token.Errorf(token.ErrTokenType, "client_id", "the token carries client_id, a claim of access tokens (RFC 9068), not of ID tokens")
	}
	if c.Has("scp") {
		return token.Errorf(token.ErrTokenType, "scp", "the token carries scp, the scopes of an access token")
	}
	if raw, ok := c.RawJSON("token_use"); ok && !strictjson.StringEqual(raw, "id") {
		return token.Errorf(token.ErrTokenType, "token_use", "token_use is not \"id\", as an ID token's is: the token is of another kind")
	}
	if c.Has("events") {
		return token.Errorf(token.ErrTokenType, "events", "the token carries events: it is a security event or logout token (RFC 8417), not an ID token")
	}
	if raw, ok := c.RawJSON("typ"); ok {
		if s, isString := strictjson.String(raw); isString && strings.EqualFold(s, "Bearer") {
			return token.Errorf(token.ErrTokenType, "typ", "the typ claim is \"Bearer\": the token is an access token")
		}
	}
	if c.Subject == "" {
		if !c.Has("sub") {
			return token.Errorf(token.ErrMissingClaim, "sub", "the token has no subject; sub is required")
		}
		return token.Errorf(token.ErrInvalidClaim, "sub", "sub is empty; it must identify the user")
	}
	clientID := v.clientFor(c.Issuer)
	multiple := false
	for _, a := range c.Audience {
		if a != clientID {
			multiple = true
			break
		}
	}
	*t = Token{
		Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience, ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt,
		NotBefore: c.NotBefore, ID: c.ID, Raw: verified.Raw, claims: c, alg: verified.Header.Algorithm,
	}
	for i, dst := range t.decisionFields() {
		s, _, err := c.GetString(claimNames[claimNonce+i])
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
	if err := refLookupStandard(&t.StandardClaims, c); err != nil {
		return err
	}
	if t.AuthorizedParty != clientID {
		if c.Has("azp") {
			return token.Errorf(token.ErrAuthorizedParty, "azp", "azp is %q, not this client's ID", excerpt.Of(t.AuthorizedParty)).WithDetail("expected the client ID %q", clientID)
		}
		if multiple {
			return token.Errorf(token.ErrAuthorizedParty, "azp", "the token has %d audiences but no azp; azp must name this client's ID", len(c.Audience)).WithDetail("expected the client ID %q", clientID)
		}
	}
	return nil
}

// refLookupStandard is StandardClaims.read as it was, by lookups.
func refLookupStandard(s *StandardClaims, c *token.Claims) error {
	for i, dst := range s.stringFields() {
		name := claimNames[claimName+i]
		v, _, err := c.GetString(name)
		if err != nil {
			if raw, _ := c.RawJSON(name); strictjson.IsNull(raw) {
				continue
			}
			return err
		}
		*dst = v
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"email_verified", &s.EmailVerified}, {"phone_number_verified", &s.PhoneNumberVerified}} {
		raw, ok := c.RawJSON(b.name)
		if !ok || strictjson.IsNull(raw) {
			continue
		}
		v, isBool := strictjson.Bool(raw)
		if !isBool {
			return token.Errorf(token.ErrInvalidClaim, b.name, "must be true or false; found %s", strictjson.Kind(raw))
		}
		*b.dst = v
	}
	if raw, ok := c.RawJSON("updated_at"); ok && !strictjson.IsNull(raw) {
		if str, isString := strictjson.String(raw); isString {
			tm, err := time.Parse(time.RFC3339Nano, str)
			if err != nil {
				return token.Errorf(token.ErrInvalidClaim, "updated_at", "must be seconds since the epoch or an RFC 3339 time; found a string that is neither")
			}
			s.UpdatedAt = tm.UTC()
		} else {
			var err error
			if s.UpdatedAt, _, err = c.GetTime("updated_at"); err != nil {
				return err
			}
		}
	}
	if raw, ok := c.RawJSON("address"); ok && !strictjson.IsNull(raw) {
		f := found{c: c, present: 1 << claimAddress}
		f.raw[claimAddress] = raw
		var err error
		s.Address, err = address(&f)
		return err
	}
	return nil
}

// FuzzOnePassReadsAsLookups: for any claims set, the one-pass reader and
// the lookup by name per claim accept and refuse alike.
func FuzzOnePassReadsAsLookups(f *testing.F) {
	for _, doc := range []string{
		`{"iss":"i","sub":"u","aud":"client-1"}`,
		`{"iss":"i","sub":"u","aud":["client-1","x"],"azp":"client-1","nonce":"n","amr":["pwd"],"auth_time":1700000000}`,
		`{"sub":"u","aud":"client-1","n\u0061me":"x","email_verified":"true","updated_at":"2024-05-01T12:34:56Z"}`,
		`{"sub":"","aud":"client-1","client_id":"c","typ":"Bearer","address":{"country":5}}`,
	} {
		f.Add(doc)
	}
	v := &Validator{clientID: "client-1", expectClient: expectClient("client-1")}
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := token.ParseClaims([]byte(doc))
		if err != nil {
			return
		}
		verified := &token.Verified{Raw: "raw", Claims: *c}
		var got, want Token
		gotErr, wantErr := v.accept(verified, &got), refLookupAccept(v, verified, &want)
		if !sameRefusal(gotErr, wantErr) {
			t.Fatalf("one pass: %v\nlookups:  %v", gotErr, wantErr)
		}
		if gotErr == nil {
			got.claims, want.claims = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("one pass: %+v\nlookups:  %+v", got, want)
			}
		}
	})
}
