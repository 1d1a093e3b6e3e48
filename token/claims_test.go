package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseClaimsTypedFields(t *testing.T) {
	c, err := ParseClaims([]byte(`{"iss":"https://i/","sub":"s","aud":["a","b"],"exp":1700003600,"nbf":1699999000.25,"iat":1700000000,"jti":"j","x":{"y":[1,2]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://i/" || c.Subject != "s" || c.ID != "j" || !reflect.DeepEqual(c.Audience, []string{"a", "b"}) {
		t.Errorf("strings: %+v", c)
	}
	if !c.ExpiresAt.Equal(time.Unix(1700003600, 0)) || !c.IssuedAt.Equal(time.Unix(1700000000, 0)) ||
		!c.NotBefore.Equal(time.Unix(1699999000, 250_000_000)) {
		t.Errorf("times: exp %v iat %v nbf %v", c.ExpiresAt, c.IssuedAt, c.NotBefore)
	}
	if c.ExpiresAt.Location() != time.UTC {
		t.Errorf("times are not in UTC: %v", c.ExpiresAt.Location())
	}
	if got := c.Names(); !reflect.DeepEqual(got, []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "x"}) {
		t.Errorf("Names() = %v", got)
	}

	single, err := ParseClaims([]byte(`{"aud":"only"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(single.Audience, []string{"only"}) {
		t.Errorf("aud as a string: %v", single.Audience)
	}
	empty, err := ParseClaims([]byte(`{"aud":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if empty.Audience == nil || len(empty.Audience) != 0 {
		t.Errorf("aud [] gave %#v; want an empty, non-nil list", empty.Audience)
	}
	none, err := ParseClaims([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if none.Audience != nil || !none.ExpiresAt.IsZero() || none.Has("exp") {
		t.Errorf("absent claims are not zero: %+v", none)
	}
}

func TestParseClaimsRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       error
		claim      string
	}{
		{"empty", ``, ErrMalformed, "claims"},
		{"not an object", `[1]`, ErrMalformed, "claims"},
		{"null", `null`, ErrMalformed, "claims"},
		{"duplicate", `{"a":1,"a":2}`, ErrMalformed, "claims"},
		{"case-folded duplicate", `{"exp":1,"EXP":2}`, ErrMalformed, "claims"},
		{"too deep", `{"a":` + nest(MaxClaimsDepth) + `}`, ErrMalformed, "claims"},
		{"exp string", `{"exp":"1"}`, ErrInvalidClaim, "exp"},
		{"exp bool", `{"exp":true}`, ErrInvalidClaim, "exp"},
		{"exp out of range", `{"exp":1e20}`, ErrInvalidClaim, "exp"},
		{"exp negative", `{"exp":-5}`, ErrInvalidClaim, "exp"},
		{"nbf bool", `{"nbf":false}`, ErrInvalidClaim, "nbf"},
		{"iat array", `{"iat":[1]}`, ErrInvalidClaim, "iat"},
		{"aud number", `{"aud":5}`, ErrInvalidClaim, "aud"},
		{"aud null", `{"aud":null}`, ErrInvalidClaim, "aud"},
		{"aud mixed", `{"aud":["a",null]}`, ErrInvalidClaim, "aud"},
		{"iss number", `{"iss":5}`, ErrInvalidClaim, "iss"},
		{"sub bool", `{"sub":true}`, ErrInvalidClaim, "sub"},
		{"jti array", `{"jti":["a"]}`, ErrInvalidClaim, "jti"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseClaims([]byte(tc.json))
			if c != nil {
				t.Errorf("returned claims with the error")
			}
			assertRefused(t, err, tc.want, tc.claim)
		})
	}
}

// nest returns a JSON value of n nested arrays.
func nest(n int) string {
	s := "1"
	for range n {
		s = "[" + s + "]"
	}
	return s
}

func TestClaimsAccessors(t *testing.T) {
	c, err := ParseClaims([]byte(`{"scope":"a b","roles":["x","y"],"one":"z","auth_time":1700000000,"email_verified":true,` +
		`"n":5,"Email":"shadow@example.com","esc":"a\"b\u00e9","nul":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, err := c.GetString("scope"); s != "a b" || !ok || err != nil {
		t.Errorf("GetString(scope) = %q %v %v", s, ok, err)
	}
	if s, ok, err := c.GetString("esc"); s != "a\"bé" || !ok || err != nil {
		t.Errorf("GetString(esc) = %q %v %v", s, ok, err)
	}
	if l, ok, err := c.GetStrings("roles"); !reflect.DeepEqual(l, []string{"x", "y"}) || !ok || err != nil {
		t.Errorf("GetStrings(roles) = %v %v %v", l, ok, err)
	}
	if l, ok, err := c.GetStrings("one"); !reflect.DeepEqual(l, []string{"z"}) || !ok || err != nil {
		t.Errorf("GetStrings(one) = %v %v %v", l, ok, err)
	}
	if tm, ok, err := c.GetTime("auth_time"); !tm.Equal(time.Unix(1700000000, 0)) || !ok || err != nil {
		t.Errorf("GetTime(auth_time) = %v %v %v", tm, ok, err)
	}
	if b, ok, err := c.GetBool("email_verified"); !b || !ok || err != nil {
		t.Errorf("GetBool(email_verified) = %v %v %v", b, ok, err)
	}
	if raw, ok := c.Get("n"); !ok || string(raw) != "5" {
		t.Errorf("Get(n) = %s %v", raw, ok)
	}
	if !c.Has("nul") || c.Has("missing") {
		t.Error("Has: null claims are present, missing ones absent")
	}

	// Lookups are exact: "Email" is not "email", "SCOPE" is not "scope".
	for _, name := range []string{"email", "EMAIL", "SCOPE", "Scope", "roles "} {
		if c.Has(name) {
			t.Errorf("Has(%q) found a claim by a case-insensitive or fuzzy match", name)
		}
		if s, ok, err := c.GetString(name); ok || s != "" || err != nil {
			t.Errorf("GetString(%q) = %q %v %v; want absent", name, s, ok, err)
		}
	}

	// Wrong types are errors naming the claim, never zero values.
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"n", func() error { _, _, err := c.GetString("n"); return err }},
		{"n", func() error { _, _, err := c.GetStrings("n"); return err }},
		{"scope", func() error { _, _, err := c.GetTime("scope"); return err }},
		{"scope", func() error { _, _, err := c.GetBool("scope"); return err }},
		{"nul", func() error { _, _, err := c.GetString("nul"); return err }},
		{"nul", func() error { _, _, err := c.GetBool("nul"); return err }},
	} {
		assertRefused(t, tc.call(), ErrInvalidClaim, tc.name)
	}
	// Absent claims are not errors.
	if _, ok, err := c.GetTime("absent"); ok || err != nil {
		t.Errorf("GetTime(absent) = %v %v", ok, err)
	}
	if _, ok, err := c.GetBool("absent"); ok || err != nil {
		t.Errorf("GetBool(absent) = %v %v", ok, err)
	}
	if _, ok, err := c.GetStrings("absent"); ok || err != nil {
		t.Errorf("GetStrings(absent) = %v %v", ok, err)
	}
}

func TestClaimsDecode(t *testing.T) {
	type address struct {
		Country string `json:"country"`
	}
	type embedded struct {
		Tenant string `json:"tenant"`
	}
	type mine struct {
		embedded
		Email     string             `json:"email"`
		Name      string             // no tag: matched by the field name, exactly
		Roles     []string           `json:"roles"`
		Address   *address           `json:"address"`
		Addresses []address          `json:"addresses"`
		ByRegion  map[string]address `json:"by_region"`
		Skipped   string             `json:"-"`
		Raw       json.RawMessage    `json:"raw"`
		Extra     map[string]any     `json:"extra"`
	}
	for _, tc := range []struct {
		name, json string
		want       mine
	}{
		{"exact names", `{"email":"a@example.com","Name":"A","roles":["r"],"address":{"country":"NZ"},"tenant":"t"}`,
			mine{Email: "a@example.com", Name: "A", Roles: []string{"r"}, Address: &address{Country: "NZ"}, embedded: embedded{Tenant: "t"}}},
		{"upper-case name does not fill the field", `{"EMAIL":"attacker@example.com"}`, mine{}},
		{"capitalised name does not fill the field", `{"Email":"attacker@example.com","name":"x","Tenant":"evil"}`, mine{}},
		{"Unicode-folded name does not fill the field", `{"rolesſ":1,"ROLEſ":2,"addreſs":{"country":"X"}}`, mine{}},
		{"Kelvin sign does not fill a field", `{"\u212aey":1,"extra":{"\u212a":2}}`, mine{Extra: map[string]any{"\u212a": 2.0}}},
		{"nested struct is exact too", `{"address":{"Country":"XX"}}`, mine{Address: &address{}}},
		{"structs in arrays are exact too", `{"addresses":[{"country":"A"},{"COUNTRY":"B"}]}`, mine{Addresses: []address{{Country: "A"}, {}}}},
		{"structs in maps are exact too", `{"by_region":{"eu":{"Country":"B"},"us":{"country":"U"}}}`,
			mine{ByRegion: map[string]address{"eu": {}, "us": {Country: "U"}}}},
		{"json:\"-\" field stays empty", `{"Skipped":"x","-":"y"}`, mine{}},
		{"raw message keeps its members", `{"raw":{"A":1}}`, mine{Raw: json.RawMessage(`{"A":1}`)}},
		{"map keys are exact", `{"extra":{"Email":"x"}}`, mine{Extra: map[string]any{"Email": "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseClaims([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			var got mine
			if err := c.Decode(&got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decode = %+v\nwant     %+v", got, tc.want)
			}
		})
	}

	c, err := ParseClaims([]byte(`{"email":5,"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var m mine
	err = c.Decode(&m)
	assertRefused(t, err, ErrInvalidClaim, "email")
	var any map[string]any
	if err := c.Decode(&any); err != nil || any["email"] != 5.0 || len(any) != 2 {
		t.Errorf("Decode into a map = %v, %v", any, err)
	}
	if err := c.Decode(nil); !errors.Is(err, ErrInvalidClaim) {
		t.Errorf("Decode(nil) = %v; want ErrInvalidClaim", err)
	}

	// The zero Claims decode as an empty object.
	var zero Claims
	var z mine
	if err := zero.Decode(&z); err != nil || !reflect.DeepEqual(z, mine{}) {
		t.Errorf("zero Claims Decode = %+v, %v", z, err)
	}
	if zero.Has("iss") || len(zero.Names()) != 0 {
		t.Error("zero Claims have claims")
	}
}

// A destination that decodes itself gets the members as the token carried
// them.
type selfDecoding struct{ got string }

func (s *selfDecoding) UnmarshalJSON(b []byte) error { s.got = string(b); return nil }

func TestClaimsDecodeCustomUnmarshaler(t *testing.T) {
	c, err := ParseClaims([]byte(`{"v":{"A":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	var dst struct {
		V selfDecoding `json:"v"`
	}
	if err := c.Decode(&dst); err != nil {
		t.Fatal(err)
	}
	if dst.V.got != `{"A":1}` {
		t.Errorf("custom unmarshaler got %s", dst.V.got)
	}
}

// TestClaimsLookupFilter checks that the name index behind claim lookups
// never hides a claim that is there, escaped names included, and still
// tells absent ones apart.
func TestClaimsLookupFilter(t *testing.T) {
	names := []string{"a", "email", "e", "name", "nickname", "https://example.com/roles", "x_y", "ZZ", "given_name", "family_name", "picture", "sid", "acr", "amr", "azp", "nonce", "auth_time"}
	doc := "{"
	for i, n := range names {
		if i > 0 {
			doc += ","
		}
		doc += `"` + n + `":"v` + n + `"`
	}
	doc += `,"\u0063_escaped":"esc"}`
	c, err := ParseClaims([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		s, ok, err := c.GetString(n)
		if !ok || err != nil || s != "v"+n {
			t.Errorf("GetString(%q) = %q, %t, %v; want %q", n, s, ok, err, "v"+n)
		}
	}
	if s, ok, _ := c.GetString("c_escaped"); !ok || s != "esc" {
		t.Errorf("escaped name not found: %q, %t", s, ok)
	}
	for _, n := range []string{"b", "emails", "mail", "phone_number", "website", "", "E"} {
		if c.Has(n) {
			t.Errorf("Has(%q) = true for an absent claim", n)
		}
	}
}

// TestClaimsLookupManyMembers: a claims set too large for the name index is
// searched member by member, with the same answers.
func TestClaimsLookupManyMembers(t *testing.T) {
	doc := "{"
	for i := 0; i < 100; i++ {
		if i > 0 {
			doc += ","
		}
		doc += fmt.Sprintf(`"c%d":"v%d"`, i, i)
	}
	doc += "}"
	c, err := ParseClaims([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if s, ok, _ := c.GetString(fmt.Sprintf("c%d", i)); !ok || s != fmt.Sprintf("v%d", i) {
			t.Errorf("c%d: got %q, %t", i, s, ok)
		}
	}
	if c.Has("c100") || c.Has("c") {
		t.Error("absent claim reported present")
	}
}

// Get and JSON hand out copies: a caller changing them changes nothing the
// Claims hold. RawJSON shares the claims' text and gives the same JSON.
func TestClaimsGetCopies(t *testing.T) {
	c, err := ParseClaims([]byte(`{"iss":"https://i/","scope":"read write","n":[1,2]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get("scope")
	if !ok || string(got) != `"read write"` {
		t.Fatalf(`Get("scope") = %s, %v`, got, ok)
	}
	got[1] = 'X'
	doc := c.JSON()
	doc[2] = 'X'
	if s, _, _ := c.GetString("scope"); s != "read write" {
		t.Errorf("changing Get's result changed the claim to %q", s)
	}
	if raw, ok := c.RawJSON("scope"); !ok || raw != `"read write"` {
		t.Errorf(`RawJSON("scope") = %s, %v`, raw, ok)
	}
	if raw, ok := c.RawJSON("n"); !ok || raw != `[1,2]` {
		t.Errorf(`RawJSON("n") = %s, %v`, raw, ok)
	}
	if string(c.JSON()) != `{"iss":"https://i/","scope":"read write","n":[1,2]}` {
		t.Errorf("changing JSON's result changed the claims to %s", c.JSON())
	}
	if _, ok := c.RawJSON("absent"); ok {
		t.Error(`RawJSON("absent") found a claim`)
	}
}

// A claims set of a hundred namespaced claims of one length, alike but for
// their last characters, is indexed: every lookup finds its claim through
// the table, not by a scan.
func TestClaimIndexOfManySimilarNames(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"iss":"x"`)
	for i := range 100 {
		fmt.Fprintf(&b, `,"https://claims.example.com/tenant/attribute_%03d":%d`, i, i)
	}
	c, err := ParseClaims([]byte(b.String() + "}"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		v, ok := c.RawJSON(fmt.Sprintf("https://claims.example.com/tenant/attribute_%03d", i))
		if !ok || v != fmt.Sprint(i) {
			t.Fatalf("claim %d = %q, %v", i, v, ok)
		}
	}
	if _, ok := c.RawJSON("https://claims.example.com/tenant/attribute_100"); ok {
		t.Error("found a claim the set does not hold")
	}
}

// Claims that were not parsed (the zero value) or were copied answer
// lookups like parsed ones: the zero Claims has no claims, and a copy
// finds every claim the original holds.
func TestClaimsLookupWithoutIndex(t *testing.T) {
	var zero Claims
	if zero.Has("iss") || zero.Names() != nil && len(zero.Names()) != 0 {
		t.Error("the zero Claims has claims")
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range 60 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"n%02d":%d`, i, i)
	}
	c, err := ParseClaims([]byte(b.String() + "}"))
	if err != nil {
		t.Fatal(err)
	}
	cp := *c
	for i := range 60 {
		if v, found := cp.RawJSON(fmt.Sprintf("n%02d", i)); !found || v != fmt.Sprint(i) {
			t.Fatalf("n%02d = %q, %v", i, v, found)
		}
	}
	if cp.Has("n60") || cp.Has("N01") {
		t.Error("a copy found a claim the set does not hold")
	}
}

// All walks the members in token order, with each name unescaped and each
// value exactly as RawJSON gives it, stops when the loop breaks, and yields
// nothing for a nil or zero Claims.
func TestClaimsAll(t *testing.T) {
	doc := `{"iss":"https://i/","\u0061mr":["pwd"],"n":null,"x":{"y":[1,"\u00e9"]},"esc":"a\"b","lo\u006eg_\u006eame":1.5e3,"sub":"s"}`
	c, err := ParseClaims([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	type member struct{ name, raw string }
	var got []member
	for name, raw := range c.All() {
		got = append(got, member{name, raw})
	}
	want := []member{
		{"iss", `"https://i/"`}, {"amr", `["pwd"]`}, {"n", "null"}, {"x", `{"y":[1,"\u00e9"]}`},
		{"esc", `"a\"b"`}, {"long_name", "1.5e3"}, {"sub", `"s"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("All yielded %q;\nwant %q", got, want)
	}
	// The same names as Names, and each value RawJSON's for its name.
	if names := c.Names(); len(names) != len(got) {
		t.Fatalf("Names() = %q, All yielded %d members", names, len(got))
	} else {
		for i, m := range got {
			raw, ok := c.RawJSON(m.name)
			if names[i] != m.name || !ok || raw != m.raw {
				t.Errorf("member %d: All gave %q = %s; Names %q, RawJSON %s %v", i, m.name, m.raw, names[i], raw, ok)
			}
		}
	}

	n := 0
	for name := range c.All() {
		n++
		if name == "amr" {
			break
		}
	}
	if n != 2 {
		t.Errorf("All went on for %d members after the loop broke at the second", n)
	}

	var zero Claims
	var none *Claims
	for _, c := range []*Claims{&zero, none} {
		for name := range c.All() {
			t.Errorf("a claims set with no claims yielded %q", name)
		}
	}
}

// Names that held escapes stay right after the walk has gone on: they share
// one buffer, which must never be written over, however many there are and
// however long.
func TestClaimsAllManyEscapedNames(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"plain":0`)
	var want []string
	for i := range 200 {
		long := strings.Repeat("x", i*3) // past the stack buffer for the later ones
		fmt.Fprintf(&b, `,"\u0061%s%d":%d`, long, i, i)
		want = append(want, "a"+long+fmt.Sprint(i))
	}
	c, err := ParseClaims([]byte(b.String() + "}"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, raw := range c.All() {
		if name == "plain" {
			continue
		}
		if raw != fmt.Sprint(len(names)) {
			t.Fatalf("member %q = %s; want %d", name, raw, len(names))
		}
		names = append(names, name)
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("the escaped names read back wrong after the walk")
	}
}

// A walk over names without escapes allocates nothing, and one over any
// number of names with escapes allocates once: a validator walks every
// token it accepts.
func TestClaimsAllAllocations(t *testing.T) {
	plain, err := ParseClaims([]byte(`{"iss":"https://i/","sub":"s","aud":"a","email":"e@example.com","x":[1,2]}`))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`{"iss":"x"`)
	for i := range 100 {
		fmt.Fprintf(&b, `,"\u0065%d":0`, i)
	}
	escaped, err := ParseClaims([]byte(b.String() + "}"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		c    *Claims
		want float64
	}{{"plain names", plain, 0}, {"100 escaped names", escaped, 1}} {
		n := 0
		allocs := testing.AllocsPerRun(100, func() {
			for name, raw := range tc.c.All() {
				n += len(name) + len(raw)
			}
		})
		if allocs != tc.want {
			t.Errorf("%s: a walk made %v allocations; want %v", tc.name, allocs, tc.want)
		}
	}
}
