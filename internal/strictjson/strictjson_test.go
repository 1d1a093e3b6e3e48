package strictjson

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"reflect"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"object", `{"a":1}`, true},
		{"empty object", `{}`, true},
		{"array", `[1,"a",true,false,null,{},[]]`, true},
		{"string", `"x"`, true},
		{"number forms", `[0,-0,1.5,-1e10,2E+3,3e-2,123456789012345678901234567890]`, true},
		{"whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n", true},
		{"escapes", `"\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`, true},
		{"multi-byte UTF-8", `"é😀"`, true},
		{"U+FFFD written out", "\"\xef\xbf\xbd\"", true},
		{"depth at the bound", nestArrays(DefaultMaxDepth), true},

		{"empty", ``, false},
		{"only space", `  `, false},
		{"two values", `{} {}`, false},
		{"trailing comma in object", `{"a":1,}`, false},
		{"trailing comma in array", `[1,]`, false},
		{"leading zero", `01`, false},
		{"plus sign", `+1`, false},
		{"bare dot", `1.`, false},
		{"dot first", `.5`, false},
		{"empty exponent", `1e`, false},
		{"hex", `0x10`, false},
		{"NaN", `NaN`, false},
		{"Infinity", `-Infinity`, false},
		{"single quotes", `'a'`, false},
		{"unquoted name", `{a:1}`, false},
		{"missing colon", `{"a" 1}`, false},
		{"missing value", `{"a":}`, false},
		{"unterminated string", `"abc`, false},
		{"unterminated escape", `"abc\`, false},
		{"unterminated object", `{"a":1`, false},
		{"unterminated array", `[1`, false},
		{"bad escape", `"\x41"`, false},
		{"short \\u escape", `"\u12"`, false},
		{"non-hex \\u escape", `"\u12g4"`, false},
		{"control character", "\"a\x01b\"", false},
		{"raw newline in string", "\"a\nb\"", false},
		{"invalid UTF-8", "\"\xff\"", false},
		{"truncated UTF-8", "\"\xc3\"", false},
		{"overlong UTF-8", "\"\xc0\xaf\"", false},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", false},
		{"lone high surrogate", `"\ud800"`, false},
		{"lone low surrogate", `"\udc00"`, false},
		{"high surrogate then text", `"\ud800abcdef"`, false},
		{"two high surrogates", `"\ud800\ud800"`, false},
		{"literal typo", `tru`, false},
		{"literal in upper case", `True`, false},
		{"depth past the bound", nestArrays(DefaultMaxDepth + 1), false},
		{"duplicate name", `{"a":1,"a":2}`, false},
		{"duplicate name, nested", `[{"a":1,"b":{"c":1,"c":2}}]`, false},
		{"case-folded duplicate", `{"alg":1,"ALG":2}`, false},
		{"escaped duplicate", `{"a":1,"\u0061":2}`, false},
		{"long s folds to S", `{"s":1,"\u017f":2}`, false},
		{"Kelvin sign folds to K", `{"k":1,"\u212a":2}`, false},
		{"same name in different objects", `[{"a":1},{"a":2}]`, true},
		{"names differing beyond case", `{"a":1,"b":2,"ab":3,"a ":4}`, true},
		{"BOM", "\xef\xbb\xbf{}", false},
		{"NUL after value", "{}\x00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Valid([]byte(tc.doc), 0)
			if (err == nil) != tc.ok {
				t.Fatalf("Valid(%q) = %v; want ok %v", tc.doc, err, tc.ok)
			}
			var se *SyntaxError
			if err != nil && (!errors.As(err, &se) || se.Offset < 0 || se.Offset > len(tc.doc) || se.Msg == "") {
				t.Errorf("error %v is not a SyntaxError with an offset in the input", err)
			}
		})
	}
}

func nestArrays(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func TestDuplicatesPastThePairwiseLimit(t *testing.T) {
	// Past smallObject members an object's names go into a table, and
	// past inlineNames the scanner's names move to the heap; duplicates
	// must still be found, whichever side of either switch they fall on.
	var b strings.Builder
	b.WriteString("{")
	for i := range 3 * inlineNames {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"m` + strings.Repeat("x", i) + `":1`)
	}
	ok := b.String() + "}"
	if err := Valid([]byte(ok), 0); err != nil {
		t.Fatalf("distinct names refused: %v", err)
	}
	for _, dup := range []string{`"m"`, `"M"`, `"m` + strings.Repeat("X", 2*inlineNames) + `"`} {
		if err := Valid([]byte(b.String()+","+dup+":2}"), 0); err == nil {
			t.Errorf("duplicate %s after %d members accepted", dup, 3*inlineNames)
		}
	}
}

func TestParseObject(t *testing.T) {
	members, err := ParseObject([]byte(` {"a" : 1, "b\u0063":"x\"y", "n":{"d":[1,2]}, "z":null} `), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range members {
		got = append(got, string(m.Name)+"="+string(m.Value))
	}
	want := []string{`a=1`, `bc="x\"y"`, `n={"d":[1,2]}`, `z=null`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("members = %q; want %q", got, want)
	}
	// Members are appended to dst.
	dst := make([]Member, 1, 4)
	out, err := ParseObject([]byte(`{"x":1}`), 0, dst)
	if err != nil || len(out) != 2 || string(out[1].Name) != "x" {
		t.Errorf("ParseObject did not append: %v %v", out, err)
	}
	for _, doc := range []string{`[]`, `"s"`, `1`, `null`} {
		if _, err := ParseObject([]byte(doc), 0, nil); !errors.Is(err, ErrNotObject) {
			t.Errorf("ParseObject(%s) = %v; want ErrNotObject", doc, err)
		}
	}
	for _, doc := range []string{``, `{`, `{"a":1}x`, `[`, `{"a":1,"a":1}`} {
		if _, err := ParseObject([]byte(doc), 0, nil); err == nil || errors.Is(err, ErrNotObject) {
			t.Errorf("ParseObject(%s) = %v; want a syntax error", doc, err)
		}
	}
	if _, err := ParseObject([]byte(`{"a":{"b":{}}}`), 2, nil); err == nil {
		t.Error("maxDepth 2 accepted three levels")
	}
	if _, err := ParseObject([]byte(`{"a":{"b":{}}}`), 3, nil); err != nil {
		t.Errorf("maxDepth 3 refused three levels: %v", err)
	}
}

func TestValueReaders(t *testing.T) {
	for _, tc := range []struct {
		in   string
		s    string
		isS  bool
		kind string
	}{
		{`"plain"`, "plain", true, "a string"},
		{`"a\nb\u00e9\ud83d\ude00\/"`, "a\nbé😀/", true, "a string"},
		{`""`, "", true, "a string"},
		{`1`, "", false, "a number"},
		{`-1`, "", false, "a number"},
		{`true`, "", false, "a boolean"},
		{`null`, "", false, "null"},
		{`{}`, "", false, "an object"},
		{`[]`, "", false, "an array"},
		{``, "", false, "nothing"},
	} {
		s, ok := String([]byte(tc.in))
		if s != tc.s || ok != tc.isS {
			t.Errorf("String(%s) = %q %v", tc.in, s, ok)
		}
		if ok && !StringEqual([]byte(tc.in), tc.s) {
			t.Errorf("StringEqual(%s, %q) is false", tc.in, tc.s)
		}
		if StringEqual([]byte(tc.in), tc.s+"x") {
			t.Errorf("StringEqual(%s, %q) is true", tc.in, tc.s+"x")
		}
		if k := Kind([]byte(tc.in)); k != tc.kind {
			t.Errorf("Kind(%s) = %q; want %q", tc.in, k, tc.kind)
		}
	}
	for in, want := range map[string]float64{
		"0": 0, "1700000000": 1700000000, "999999999999999": 999999999999999, "1234567890123456789": 1234567890123456789,
		"-5": -5, "1.5": 1.5, "1e3": 1000, "2E-1": 0.2,
	} {
		if f, ok := Number([]byte(in)); !ok || f != want {
			t.Errorf("Number(%s) = %v %v; want %v", in, f, ok, want)
		}
	}
	for _, in := range []string{`"1"`, `true`, `null`, ``, `[1]`, `1e400`} {
		if f, ok := Number([]byte(in)); ok {
			t.Errorf("Number(%s) = %v, ok", in, f)
		}
	}
	if b, ok := Bool([]byte("true")); !b || !ok {
		t.Error("Bool(true)")
	}
	if b, ok := Bool([]byte("false")); b || !ok {
		t.Error("Bool(false)")
	}
	for _, in := range []string{`"true"`, `1`, `null`, `True`} {
		if _, ok := Bool([]byte(in)); ok {
			t.Errorf("Bool(%s) ok", in)
		}
	}
	if !IsNull([]byte("null")) || IsNull([]byte(`"null"`)) {
		t.Error("IsNull")
	}
}

// The value readers are correct on text no scanner checked: what is not
// one whole JSON value of their type reads as ok false, never as a wrong
// value.
func TestValueReadersOnUncheckedText(t *testing.T) {
	for _, v := range []string{`"a"b"`, `"a","b"`, `"a`, `"`, `a"`, `"\q"`, `"\u12"`, `"\ud800"`, `"\udc00x"`,
		"\"\xff\"", "\"a\x01b\"", "\"a\nb\"", `"\"`, `"x"  `} {
		if s, ok := String(v); ok {
			t.Errorf("String(%q) = %q, true; want false", v, s)
		}
		if s, ok := String([]byte(v)); ok {
			t.Errorf("String([]byte(%q)) = %q, true; want false", v, s)
		}
		if StringEqual(v, "a") || StringEqual(v, "") {
			t.Errorf("StringEqual(%q) is true", v)
		}
	}
	for _, v := range []string{`0x10`, `1_000`, `Inf`, `-Inf`, `NaN`, `01`, `1.`, `.5`, `+1`, `1e`, `1 `, `--1`} {
		if n, ok := Number(v); ok {
			t.Errorf("Number(%q) = %v, true; want false", v, n)
		}
	}
	for v, want := range map[string]string{`"a"`: "a", `"\u00e9\n"`: "é\n", `"\ud83d\ude00"`: "😀", `""`: "", "\"é\"": "é"} {
		if s, ok := String(v); !ok || s != want {
			t.Errorf("String(%q) = %q, %v; want %q", v, s, ok, want)
		}
	}
}

func TestElements(t *testing.T) {
	elems, ok := Elements(mustCheck(t, `[ 1 , "a,b" , [2,3] , {"x":[4]} ]`), nil)
	if !ok {
		t.Fatal("not ok")
	}
	var got []string
	for _, e := range elems {
		got = append(got, string(e.Text()))
	}
	if want := []string{`1`, `"a,b"`, `[2,3]`, `{"x":[4]}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("Elements = %q; want %q", got, want)
	}
	if e, ok := Elements(mustCheck(t, `[]`), nil); !ok || len(e) != 0 {
		t.Errorf("Elements([]) = %v %v", e, ok)
	}
	for _, in := range []string{`{}`, `"a"`, `1`} {
		if _, ok := Elements(mustCheck(t, in), nil); ok {
			t.Errorf("Elements(%s) ok", in)
		}
	}
	// Outside this package, unchecked text cannot reach Elements. Should
	// some reach it anyway, it gives ok false, not a panic.
	for _, in := range []string{``, `[1,]`, `[1`, `[1 2]`, `["a]`, `[1]]`} {
		if _, ok := Elements(Checked[string]{in}, nil); ok {
			t.Errorf("Elements(%s) ok", in)
		}
	}
}

func TestCheck(t *testing.T) {
	c, err := Check([]byte(` [1, "a"] `), 0)
	if err != nil || string(c.Text()) != ` [1, "a"] ` {
		t.Fatalf("Check = %q, %v; want the text itself", c.Text(), err)
	}
	for _, in := range []string{``, `[1,]`, `{"a":1,"A":2}`, `1 2`} {
		if c, err := Check([]byte(in), 0); err == nil || c.Text() != nil {
			t.Errorf("Check(%s) = %q, %v; want no text and an error", in, c.Text(), err)
		}
	}
}

func mustCheck(t *testing.T, doc string) Checked[[]byte] {
	t.Helper()
	c, err := Check([]byte(doc), 0)
	if err != nil {
		t.Fatalf("Check(%s): %v", doc, err)
	}
	return c
}

func TestAppendFold(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"iss", "ISS"}, {"iss", "Iss"}, {"s", "\u017f"}, {"k", "\u212a"}, {"é", "É"}, {"a-b_c", "A-B_C"},
	} {
		if string(AppendFold(nil, []byte(tc.a))) != string(AppendFold(nil, []byte(tc.b))) {
			t.Errorf("%q and %q fold differently", tc.a, tc.b)
		}
		if !foldEqual([]byte(tc.a), []byte(tc.b)) {
			t.Errorf("foldEqual(%q, %q) is false", tc.a, tc.b)
		}
	}
	for _, tc := range []struct{ a, b string }{{"a", "b"}, {"iss", "is"}, {"ss", "ß"}, {"a", "á"}} {
		if string(AppendFold(nil, []byte(tc.a))) == string(AppendFold(nil, []byte(tc.b))) || foldEqual([]byte(tc.a), []byte(tc.b)) {
			t.Errorf("%q and %q fold alike", tc.a, tc.b)
		}
	}
	// Names that fold alike hash alike, whatever their form: plain ASCII
	// (hashed as they stand, or lowered a word at a time), escaped, or
	// not ASCII; and a name looked up hashes as the member names it
	// equals.
	seed := maphash.MakeSeed()
	for _, tc := range [][2]string{
		{`\u212aid`, "KID"}, {"kid", "KID"}, {"https://example.com/roles", "HTTPS://EXAMPLE.COM/ROLES"},
		{"ſub", "SUB"}, {`\u0073ub`, "sub"}, {`\ud83d\ude00X`, "😀x"}, {`\\\"\/`, `\\\"/`},
		{strings.Repeat("Ab", 200), strings.Repeat("aB", 200)}, {strings.Repeat(`\u00e9`, 60), strings.Repeat("É", 60)},
	} {
		var hashes [2]uint32
		for i, raw := range tc {
			s := scanner{data: []byte(`"` + raw + `"`)}
			body, esc, nonASCII, err := s.str()
			if err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
			hashes[i] = hashName(seed, body, esc, !esc && !nonASCII)
		}
		if hashes[0] != hashes[1] {
			t.Errorf("hashName(%q) != hashName(%q)", tc[0], tc[1])
		}
		if lookup := hashLookup(seed, string(unescape(tc[1]))); lookup != hashes[1] {
			t.Errorf("hashLookup(%q) != hashName of the same name", tc[1])
		}
	}
}

func TestParseObjectAllocations(t *testing.T) {
	doc := []byte(`{"iss":"https://issuer.example.com/","sub":"auth0|123","aud":["a","b"],"exp":1700003600,"iat":1700000000,"scope":"a b c"}`)
	dst := make([]Member, 0, 16)
	n := testing.AllocsPerRun(50, func() {
		if _, err := ParseObject(doc, 16, dst); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("ParseObject of a typical claims set allocates %v times; want 0", n)
	}
}

// TestLookMask checks the word-at-a-time test against the byte table: the
// lowest byte it marks is the first byte that is not plain, and it marks
// none in a word of plain bytes.
func TestLookMask(t *testing.T) {
	first := func(w []byte) int {
		for i, c := range w {
			if !strPlain[c] {
				return i
			}
		}
		return 8
	}
	check := func(w []byte) {
		t.Helper()
		m := lookMask(binary.LittleEndian.Uint64(w))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if want := first(w); got != want {
			t.Fatalf("lookMask(%q) marks byte %d first; the first byte that is not plain is %d", w, got, want)
		}
	}
	for v := range 256 {
		for i := range 8 {
			w := []byte("abcdefgh")
			w[i] = byte(v)
			check(w)
		}
	}
	// Pairs of special bytes, to catch borrows between neighbours.
	for _, a := range []byte{0, 0x1f, '"', '\\', 0x7f, 0x80, 0xff, ' ', '!', '#', '[', ']'} {
		for _, b := range []byte{0, 0x1f, '"', '\\', 0x7f, 0x80, 0xff, ' ', '!', '#', '[', ']'} {
			for i := range 7 {
				w := []byte("zzzzzzzz")
				w[i], w[i+1] = a, b
				check(w)
			}
		}
	}
}

// TestLowerASCII checks the word-at-a-time lowering and upper-case test
// against foldKeyRune for every ASCII byte in every position of a word,
// and for every length.
func TestLowerASCII(t *testing.T) {
	key := func(b []byte) string {
		var out []byte
		for _, c := range b {
			out = append(out, byte(foldKeyRune(rune(c))))
		}
		return string(out)
	}
	for c := range 0x80 {
		for i := range 8 {
			w := []byte("a[z`{@AZ")
			w[i] = byte(c)
			if got, want := lowerASCII(nil, w), key(w); string(got) != want {
				t.Fatalf("lowerASCII(%q) = %q; want %q", w, got, want)
			}
			w = []byte("a[z`{@az")
			w[i] = byte(c)
			if got, want := hasUpperASCII(w), c >= 'A' && c <= 'Z'; got != want {
				t.Fatalf("hasUpperASCII(%q) = %v", w, got)
			}
		}
	}
	name := []byte("https://Example.com/claims/roles-and-GROUPS")
	for n := range len(name) {
		if got, want := lowerASCII(nil, name[:n]), key(name[:n]); string(got) != want {
			t.Fatalf("lowerASCII(%q) = %q; want %q", name[:n], got, want)
		}
	}
	long := []byte(strings.Repeat("abcXYZ-", 100))
	seed := maphash.MakeSeed()
	if hashName(seed, long, false, true) != uint32(maphash.Bytes(seed, lowerASCII(nil, long))) {
		t.Error("the hash of a name longer than its chunk differs from the hash of its key")
	}
}

// Names that differ only past a shared prefix, all of one length (the
// shape of namespaced claims), are distinct; and a duplicate among them is
// still found, on both sides of the switch to the heap table.
func TestEqualLengthNames(t *testing.T) {
	for _, n := range []int{8, inlineNames + 1, 4 * inlineNames} {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"https://example.com/%s%04d":1`, strings.Repeat("x", 300), i)
		}
		if err := Valid([]byte(b.String()+"}"), 0); err != nil {
			t.Fatalf("%d distinct equal-length names refused: %v", n, err)
		}
		dup := fmt.Sprintf(`,"HTTPS://EXAMPLE.COM/%s%04d":2}`, strings.Repeat("X", 300), n/2)
		if err := Valid([]byte(b.String()+dup), 0); err == nil {
			t.Errorf("a case-folded duplicate among %d equal-length names was accepted", n)
		}
	}
}

// Parsing an object allocates nothing for its duplicate check while it has
// at most inlineNames members, however long the names, indexed or not.
func TestDuplicateCheckAllocations(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range inlineNames {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"%s%04d":1`, strings.Repeat("n", 360), i)
	}
	doc := []byte(b.String() + "}")
	var (
		buf [inlineNames]Span
		ix  Index
	)
	if n := testing.AllocsPerRun(20, func() {
		if _, err := ParseObjectSpans(doc, 0, buf[:0], nil); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseObjectSpans(doc, 0, buf[:0], &ix); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%d members of 364-byte names cost %v allocations; want 0", inlineNames, n)
	}
}

func TestParseObjectSpans(t *testing.T) {
	data := []byte(` {"iss":"https://i/", "\u0061ud" : ["a"],"x":{"y":1}} `)
	spans, err := ParseObjectSpans(data, 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, value string }{{"iss", `"https://i/"`}, {"aud", `["a"]`}, {"x", `{"y":1}`}}
	if len(spans) != len(want) {
		t.Fatalf("%d spans; want %d", len(spans), len(want))
	}
	for i, w := range want {
		sp := spans[i]
		if string(SpanName(sp, data)) != w.name || string(SpanValue(sp, data)) != w.value || !SpanNameIs(sp, data, w.name) || SpanNameIs(sp, data, w.name+"x") {
			t.Errorf("span %d = %q: %q; want %q: %q", i, SpanName(sp, data), SpanValue(sp, data), w.name, w.value)
		}
	}
	if !spans[1].Escaped || string(SpanRawName(spans[1], data)) != `\u0061ud` {
		t.Errorf("span 1 raw name %q, escaped %v; want the escaped form", SpanRawName(spans[1], data), spans[1].Escaped)
	}
	if _, err := ParseObjectSpans([]byte(`{"a":1,"A":2}`), 0, nil, nil); err == nil {
		t.Error("a case-fold duplicate was accepted")
	}
	if _, err := ParseObjectSpans([]byte(`[1]`), 0, nil, nil); !errors.Is(err, ErrNotObject) {
		t.Errorf("an array gave %v; want ErrNotObject", err)
	}
}

// sameName, which settles a match of two hashes, reads the names at both
// offsets, escapes included, and compares them as folded.
func TestSameName(t *testing.T) {
	doc := []byte(`{ "a" : 1, "n\u0061me":[1,{"x":"}"}], "s":"a\"b", "NAME":0, "A":1, "\u017f":2, "last":0}`)
	s := scanner{data: doc}
	at := func(name string) int { return strings.Index(string(doc), `"`+name+`"`) }
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"NAME", `n\u0061me`, true}, {"a", "A", true}, {`\u017f`, "s", true}, {"a", "s", false}, {"last", "NAME", false}, {"x", "s", false}} {
		if got := s.sameName(at(tc.a), at(tc.b)); got != tc.want {
			t.Errorf("sameName(%q, %q) = %v; want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// Find answers by the exact name, whatever the form of the member's name
// in the document (escaped or not) and whether or not a member of the
// looked-up name's length exists.
func TestFind(t *testing.T) {
	doc := `{"iss":"a","\u0061ud":"b","n\u00e9":"c","é2":"d","sub":"e"}`
	var ix Index
	spans, err := ParseObjectSpans([]byte(doc), 0, nil, &ix)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"iss": `"a"`, "aud": `"b"`, "né": `"c"`, "é2": `"d"`, "sub": `"e"`} {
		if sp, ok := Find(&ix, spans, doc, name); !ok || SpanValue(sp, doc) != want {
			t.Errorf("Find(%q) = %q, %v; want %q", name, SpanValue(sp, doc), ok, want)
		}
	}
	for _, name := range []string{"ISS", "Aud", "nonce", "", "s", "\\u0061ud", "NÉ"} {
		if _, ok := Find(&ix, spans, doc, name); ok {
			t.Errorf("Find(%q) found a member", name)
		}
	}
	// Without escapes, the lengths alone answer for a name no member's
	// length matches; the answers are the same.
	plain := `{"iss":"a","sub":"e"}`
	spans, err = ParseObjectSpans([]byte(plain), 0, nil, &ix)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Find(&ix, spans, plain, "nonce"); ok {
		t.Error(`Find("nonce") found a member`)
	}
	if _, ok := Find(&ix, spans, plain, "sub"); !ok {
		t.Error(`Find("sub") did not find the member`)
	}
}

// An object of more members than a 16-bit slot can number is indexed and
// checked like a small one: every member is found by its name, and a
// case-folded duplicate of the first is refused at the end.
func TestIndexOfManyMembers(t *testing.T) {
	const n = 70000
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"m%d":%d`, i, i)
	}
	doc := b.String() + "}"
	var ix Index
	spans, err := ParseObjectSpans([]byte(doc), 0, nil, &ix)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != n {
		t.Fatalf("%d spans; want %d", len(spans), n)
	}
	for _, i := range []int{0, 1, 65534, 65535, 65536, 65537, n - 1} {
		sp, ok := Find(&ix, spans, doc, fmt.Sprintf("m%d", i))
		if !ok || SpanValue(sp, doc) != fmt.Sprint(i) {
			t.Errorf("m%d = %q, %v", i, SpanValue(sp, doc), ok)
		}
	}
	if _, err := ParseObjectSpans([]byte(b.String()+`,"M0":1}`), 0, nil, &ix); err == nil {
		t.Error("a case-folded duplicate of the first of 70,000 members was accepted")
	}
}

func TestStrings(t *testing.T) {
	in := ` [ "a" , "b,c" ,"d\"e", "\u00e9" ,""] `
	got, ok := Strings(Checked[string]{strings.TrimSpace(in)}, nil)
	if want := []string{"a", "b,c", `d"e`, "é", ""}; !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("Strings = %q, %v; want %q", got, ok, want)
	}
	// dst's room is used, and nothing is allocated for plain strings.
	dst := make([]string, 0, 4)
	allocs := testing.AllocsPerRun(100, func() {
		dst, ok = Strings(Checked[string]{`["x","y"]`}, dst)
	})
	if !ok || allocs != 0 || len(dst) != 2 {
		t.Errorf("Strings into room = %q %v, %v allocations", dst, ok, allocs)
	}
	if e, ok := Strings(Checked[string]{`[]`}, nil); !ok || len(e) != 0 {
		t.Errorf("Strings([]) = %v %v", e, ok)
	}
	// Not an array of strings, checked or not: ok false and dst empty.
	for _, in := range []string{`{}`, `"a"`, `1`, `["a",1]`, `[["a"]]`, `[null]`, ``, `[`, `["a",]`, `["a" "b"]`, `["a]`, `[,"a"]`} {
		if got, ok := Strings(Checked[string]{in}, []string{"old"}); ok || len(got) != 0 {
			t.Errorf("Strings(%s) = %q, %v", in, got, ok)
		}
	}
}

// ParseObjectSpans stores members from dst's start, whatever dst held, so
// Find's numbering matches the spans it returns.
func TestParseObjectSpansReusesDst(t *testing.T) {
	doc := `{"a":1,"b":2}`
	var ix Index
	spans, err := ParseObjectSpans([]byte(doc), 0, make([]Span, 1, 8), &ix)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 2 {
		t.Fatalf("%d spans; want 2", len(spans))
	}
	if sp, ok := Find(&ix, spans, doc, "b"); !ok || SpanValue(sp, doc) != "2" {
		t.Fatalf("Find(b) = %q, %v; want 2", SpanValue(sp, doc), ok)
	}
}
