package strictjson

import (
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
	names := []string{"iss", "a", ""}
	spans, err := ParseObjectSpans(doc, 1<<20, nil, nil)
	if err != nil {
		for _, name := range names {
			value, found, _ := Locate(doc, name)
			if found && !strings.Contains(string(doc), string(value)) {
				t.Fatalf("Locate(%q, %q) found %q, which is not in the document", doc, name, value)
			}
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
