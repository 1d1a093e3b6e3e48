package strictjson

import (
	"reflect"
	"testing"
)

// knownCases pair a document whose top-level values become Known with
// documents parsed with them: the same value again, the same value with
// more after it, values that start alike, a value at another depth, an
// escaped name, a duplicate.
var knownCases = []struct{ from, doc string }{
	{`{"aud":["a","b","c"]}`, `{"iss":"x","aud":["a","b","c"],"exp":1}`},
	{`{"aud":["a","b","c"]}`, `{"aud":["a","b","c"]]}`},
	{`{"aud":["a","b","c"]}`, `{"aud":["a","b","c"] ,"x":1}`},
	{`{"aud":["a","b","c"]}`, `{"aud":["a","b","c"]"x"}`},
	{`{"aud":["a","b","c"]}`, `{"aud":["a","b","c"],"aud":["a","b","c"]}`},
	{`{"aud":["a","b","c"]}`, `{"aud":["a","b","c"],"AUD":1}`},
	{`{"aud":["a","b","c"]}`, `{"x":{"aud":["a","b","c"]]}}`},
	{`{"aud":["a","b","c"]}`, `{"\u0061ud":["a","b","c"]}`},
	{`{"aud":["a","b","c"]}`, `{"aud":["a","b","c"`},
	{`{"aud":["a","b"]}`, `{"aud":["a","b"],"b":2}`},
	{`{"aud":"abc"}`, `{"aud":"abc"def"}`},
	{`{"aud":{"a":[1]}}`, `{"aud":{"a":[1]},"z":null}`},
	// Numbers and literals are not self-delimiting: never taken as known.
	{`{"aud":1}`, `{"aud":12}`},
	{`{"aud":1.5}`, `{"aud":1.5e3}`},
	{`{"aud":-0}`, `{"aud":-0.25}`},
	{`{"aud":true}`, `{"aud":true}`},
	// Nesting: the known value starts at the same depth wherever it is.
	{`{"aud":[[[[1]]]]}`, `{"aud":[[[[1]]]],"n":[[[[[[1]]]]]]}`},
}

// TestKnownValuesReadAsScanned checks that taking values as known never
// changes what ParseObjectSpans says of a document: the same members, or
// the same error.
func TestKnownValuesReadAsScanned(t *testing.T) {
	for _, tc := range knownCases {
		checkKnown(t, []byte(tc.from), []byte(tc.doc))
	}
}

// FuzzKnownValues is TestKnownValuesReadAsScanned for any pair of
// documents: each top-level value of from, under its own name, is known
// while doc is parsed.
func FuzzKnownValues(f *testing.F) {
	for _, tc := range knownCases {
		f.Add([]byte(tc.from), []byte(tc.doc))
	}
	f.Fuzz(func(t *testing.T, from, doc []byte) {
		checkKnown(t, from, doc)
	})
}

func checkKnown(t *testing.T, from, doc []byte) {
	t.Helper()
	const depth = 6
	spans, err := ParseObjectSpans(from, depth, nil, nil)
	if err != nil {
		return
	}
	want, wantErr := ParseObjectSpans(doc, depth, nil, nil)
	var all []string
	for _, sp := range spans {
		if sp.Escaped {
			continue
		}
		all = append(all, string(SpanValue(sp, from)))
	}
	for _, sp := range spans {
		if sp.Escaped {
			continue
		}
		name := string(SpanName(sp, from))
		// The member's own value alone, then every value of from under
		// this name (values that are not this member's are known too,
		// which the rule allows: each was accepted at the top level).
		for _, values := range [][]string{{string(SpanValue(sp, from))}, all} {
			k := &Known{Name: name, Values: values}
			got, gotErr := ParseObjectSpansKnown(doc, depth, nil, nil, k)
			if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Fatalf("from %q, known %q under %q, doc %q: error %v; without: %v", from, values, name, doc, gotErr, wantErr)
			}
			if wantErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("from %q, known %q under %q, doc %q: spans %v; without: %v", from, values, name, doc, got, want)
			}
		}
	}
}
