package strictjson

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// locateCases are documents Locate must read as ParseObjectSpans does
// (where it accepts them) and must not be misled by: names inside nested
// values and strings, escaped names, brackets and quotes inside strings,
// values of every type before the one looked for.
var locateCases = []string{
	`{"iss":"a"}`,
	`{}`,
	` { } `,
	`{"x":1}`,
	`{"a":{"iss":"nested"},"iss":"top"}`,
	`{"a":[{"iss":"nested"}],"b":"\"iss\":\"in a string\"","iss":"top"}`,
	`{"a":"]}[{","iss":"after brackets in a string"}`,
	`{"a":"\\","iss":"after an escaped backslash"}`,
	`{"\u0069ss":"escaped name"}`,
	`{"i\u0073s":"escaped name","x":1}`,
	`{"iss":"escaped \u00e9 value"}`,
	`{"n":-1.5e+3,"t":true,"f":false,"z":null,"iss":"after literals"}`,
	`{"n" : 12 , "iss" : "spaced" }`,
	"{\n\t\"iss\":\t\"tabs\"\r\n}",
	`{"iss":12}`,
	`{"iss":["a"]}`,
	`{"iss":{"a":"b"}}`,
	`{"iss":null}`,
	`{"ISS":"another case"}`,
	`{"\ud83d\ude00":1,"\u00e9":2,"a\nb":3,"\u0022":4,"\/":5,"😀":6,"é":7,"iss":"after names of every kind"}`,
	`{"is":"a","isss":"b","iss\u0000":"c"}`,
	`{"deep":[[[[[[[[[[]]]]]]]]]],"iss":"after nesting"}`,
	`{"a":[[[[[[[[[[1,2,3,4,5,6,7,8,9]]]]]]]]]],"iss":"after a word of digits"}`,
	`{"a":[12345678901234567890],"b":{"c":[[],[[]]]},"iss":"after long numbers"}`,
	`{"a":[[[[[[[[[[]]]]]]]]],"iss":"one bracket short"}`,
	`{"a":[[[[[[[[["]]]]]]]]]]"]]]]]]]]]],"iss":"brackets in a string"}`,
	`{"iss":"first","iss":"second"}`,
	// Refused by ParseObjectSpans; Locate must only not panic.
	`{"iss":"unterminated`,
	`{"\u00":1}`,
	`{"\ud800":1,"iss":"x"}`,
	`{"a":[1,2}`,
	`{"a":1`,
	`{"a" 1}`,
	`{"a":}`,
	`{,}`,
	`[1]`,
	`"iss"`,
	``,
	`{"a":1}x`,
	`{"a":[}],"iss":"x"}`,
}

func TestLocateReadsAsParseObjectSpans(t *testing.T) {
	for _, doc := range locateCases {
		checkLocate(t, []byte(doc))
	}
}

func TestLocateFindsTheTopLevelMember(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a":{"iss":"nested"},"iss":"top"}`:                                   `"top"`,
		`{"a":[{"iss":"nested"}],"b":"\"iss\":\"in a string\"","iss":"top"}`:   `"top"`,
		`{"a":"]}[{","iss":"after brackets in a string"}`:                      `"after brackets in a string"`,
		`{"\u0069ss":"escaped name"}`:                                          `"escaped name"`,
		`{"n" : 12 , "iss" : "spaced" }`:                                       `"spaced"`,
		`{"iss":{"a":"b"}}`:                                                    `{"a":"b"}`,
		`{"iss":12}`:                                                           `12`,
		`{"iss":"first","iss":"second"}`:                                       `"first"`,
		`{"deep":[[[[[[[[[[]]]]]]]]]],"iss":"after nesting"}`:                  `"after nesting"`,
		`{"x":"` + strings.Repeat(`\"`, 100) + `","iss":"after many escapes"}`: `"after many escapes"`,
	} {
		value, found, ok := Locate([]byte(doc), "iss")
		if !ok || !found || string(value) != want {
			t.Errorf("Locate(%s) = %s, %v, %v; want %s", doc, value, found, ok, want)
		}
	}
	for _, doc := range []string{`{}`, `{"a":{"iss":"nested"}}`, `{"ISS":"x"}`, `{"b":"\"iss\":\"x\""}`} {
		if _, found, ok := Locate([]byte(doc), "iss"); found || !ok {
			t.Errorf("Locate(%s): found %v, ok %v; want no member and ok", doc, found, ok)
		}
	}
	for _, doc := range []string{``, `[1]`, `{"a":1`, `{"a" 1}`, `{"a":}`, `{"iss`, `{"a":[1,2}`} {
		if _, _, ok := Locate([]byte(doc), "iss"); ok {
			t.Errorf("Locate(%s) reports an object; want not ok", doc)
		}
	}
}

func TestAppendString(t *testing.T) {
	for value, want := range map[string]string{`"abc"`: "abc", `"a\u00e9\n"`: "a\u00e9\n", `""`: ""} {
		got, ok := AppendString([]byte("x"), value)
		if !ok || string(got) != "x"+want {
			t.Errorf("AppendString(%s) = %q, %v; want %q", value, got, ok, "x"+want)
		}
	}
	for _, value := range []string{`1`, `"a`, `"\u12"`, "\"\x01\"", `"a"b"`} {
		if got, ok := AppendString([]byte("x"), value); ok || string(got) != "x" {
			t.Errorf("AppendString(%s) = %q, %v; want dst unchanged and not ok", value, got, ok)
		}
	}
}

// FuzzLocate is TestLocateReadsAsParseObjectSpans for any document.
func FuzzLocate(f *testing.F) {
	for _, doc := range locateCases {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkLocate(t, doc)
	})
}

// checkLocate looks up "iss" and every top-level name of doc: where
// ParseObjectSpans accepts doc, Locate must report an object and find the
// value ParseObjectSpans read, or none when there is none. Elsewhere it
// must only return (and a value it finds must lie in doc).
func checkLocate(t *testing.T, doc []byte) {
	t.Helper()
	names := []string{"iss", "a", "", "ISS", "iss\x00", "/", "\U0001F600"}
	spans, err := ParseObjectSpans(doc, 1<<20, nil, nil)
	if err != nil {
		// Nothing is promised of a refused document but an answer.
		for _, name := range names {
			Locate(doc, name)
		}
		return
	}
	for _, sp := range spans {
		names = append(names, SpanName(sp, string(doc)))
	}
	for _, name := range names {
		var want []byte
		for _, sp := range spans {
			if SpanNameIs(sp, doc, name) {
				want = SpanValue(sp, doc)
				break
			}
		}
		value, found, ok := Locate(doc, name)
		switch {
		case !ok:
			t.Fatalf("Locate(%q, %q): not an object; ParseObjectSpans accepts it", doc, name)
		case found != (want != nil) || string(value) != string(want):
			t.Fatalf("Locate(%q, %q) = %q, found %v; ParseObjectSpans read %q", doc, name, value, found, want)
		}
	}
}

// FuzzNestedEnd holds nestedEnd, which takes eight bytes at a time where it
// can, to the plain count of brackets a byte at a time on any input.
func FuzzNestedEnd(f *testing.F) {
	for _, doc := range locateCases {
		if i := strings.IndexAny(doc, "[{"); i >= 0 {
			f.Add([]byte(doc[i:]))
		}
	}
	f.Add([]byte(strings.Repeat("[", 40) + "1,2,3,4,5,6,7,8" + strings.Repeat("]", 40) + "tail"))
	f.Add([]byte(`[{"a":"\"}]"]`))
	f.Fuzz(func(t *testing.T, d []byte) {
		if len(d) == 0 || (d[0] != '[' && d[0] != '{') {
			return
		}
		if got, want := nestedEnd(d, 0), nestedEndBytewise(d); got != want {
			t.Fatalf("nestedEnd(%q) = %d; a byte at a time: %d", d, got, want)
		}
	})
}

func nestedEndBytewise(d []byte) int {
	depth := 0
	for i := 0; i < len(d); i++ {
		switch d[i] {
		case '"':
			end := closingQuote(d, i+1)
			if end >= len(d) {
				return -1
			}
			i = end
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// TestLocateOnGeneratedDocuments holds Locate to ParseObjectSpans on
// documents built at random from the pieces that could mislead it:
// escaped and case-variant names, strings full of brackets and escaped
// quotes, numbers against closing brackets, every kind of white space,
// empty and deep values. Most of them are valid, which raw fuzzing seldom
// reaches.
func TestLocateOnGeneratedDocuments(t *testing.T) {
	g := docGen{rand.New(rand.NewPCG(1, 2))}
	accepted := 0
	for range 8_000 {
		doc := []byte(g.document())
		if _, err := ParseObjectSpans(doc, 1<<20, nil, nil); err == nil {
			accepted++
		}
		checkLocate(t, doc)
	}
	if accepted < 2_000 {
		t.Fatalf("only %d of the generated documents are valid; the test checks too little", accepted)
	}
}

// TestLocateAroundTheWordSkip places values of every depth at every offset
// modulo eight, so that nestedEnd's eight-byte steps meet each boundary.
func TestLocateAroundTheWordSkip(t *testing.T) {
	for depth := 1; depth < 40; depth++ {
		for pad := range 9 {
			for _, inner := range []string{"", "1", `"x"`, `"]]]]]]]]"`, `1,2,3,4,5,6,7,8,9`, `{}`, `[]`, `"\\"`, `"\""`} {
				arr := strings.Repeat("[", depth) + inner + strings.Repeat("]", depth)
				obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
				for _, v := range []string{arr, obj} {
					p := strings.Repeat("p", pad)
					checkLocate(t, []byte(`{"`+p+`":`+v+`,"iss":"x"}`))
					checkLocate(t, []byte(`{"`+p+`":[`+strings.Repeat(" ", pad)+v+`,`+strings.Repeat("0", pad)+`],"iss":"x"}`))
				}
			}
		}
	}
}

// docGen builds JSON documents, most of them valid, from pieces chosen to
// mislead a reader that steps over structure.
type docGen struct{ r *rand.Rand }

var genNames = []string{`"iss"`, `"\u0069ss"`, `"i\u0073s"`, `"\u0069\u0073\u0073"`, `"ISS"`, `"Iss"`, `"iss\u0000"`, `"is"`, `"isss"`, `"a"`, `""`, `"\/"`, `"\ud83d\ude00"`, `"\u017fss"`}

func (g docGen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

func (g docGen) space() string {
	if g.r.IntN(3) != 0 {
		return ""
	}
	return g.pick(" ", "\t", "\n", "\r", " \r\n\t ")
}

func (g docGen) str() string {
	var b strings.Builder
	b.WriteByte('"')
	for range g.r.IntN(30) {
		b.WriteString(g.pick(`\"`, `\\`, `\/`, `\u0000`, `\ud83d\ude00`, `\u0069`, "]}[{", "\u00e9\U0001F600", `\n`, "iss", "a", "S", ",", ":"))
	}
	b.WriteByte('"')
	return b.String()
}

func (g docGen) name() string {
	if g.r.IntN(3) == 0 {
		return g.str()
	}
	return g.pick(genNames...)
}

func (g docGen) members(depth int) string {
	parts := make([]string, g.r.IntN(6))
	for i := range parts {
		parts[i] = g.space() + g.name() + g.space() + ":" + g.space() + g.value(depth+1) + g.space()
	}
	return "{" + g.space() + strings.Join(parts, ",") + "}"
}

func (g docGen) value(depth int) string {
	k := g.r.IntN(10)
	if depth > 18 || (depth > 3 && g.r.IntN(depth) > 1) {
		k = g.r.IntN(4)
	}
	switch k {
	case 0:
		return g.pick("0", "-0.5e+10", "1E-3", "123456789012345678901234567890", "-0", "7")
	case 1:
		return g.pick("true", "false", "null")
	case 2, 3:
		return g.str()
	case 4, 5, 6:
		parts := make([]string, g.r.IntN(5))
		for i := range parts {
			parts[i] = g.space() + g.value(depth+1) + g.space()
		}
		return "[" + g.space() + strings.Join(parts, ",") + "]"
	}
	return g.members(depth)
}

func (g docGen) document() string { return g.space() + g.members(0) + g.space() }
