package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStrictJSON compares strictjson with encoding/json, the reference for
// what JSON is:
//
//   - whatever strictjson accepts, encoding/json accepts, and reads the same
//     member names and string values from it;
//   - whatever encoding/json accepts, strictjson accepts too, unless it is
//     one of the things strictjson refuses on purpose: invalid UTF-8, lone
//     surrogate escapes, nesting past the bound, and member names that are
//     equal or equal under encoding/json's case folding.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `true`, `null`,
		`{"iss":"https://i/","aud":["a","b"],"exp":1700000000,"x":{"y":[1,{"z":null}]}}`,
		`{"a":1,"a":2}`, `{"a":1,"A":2}`, `{"s":1,"\u017f":2}`, `{"k":1,"\u212a":2}`,
		`"\ud83d\ude00"`, `"\ud800"`, `"\udc00"`, `"\\ud800"`, "\"\xff\"", "\"\xed\xa0\x80\"",
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"a":["x\",y", [1,[2]], {"b":","}, " ", "\\"], "b":[ ]}`, `{"a":[1,2,}`, `01`, `1.`, `{"a" 1}`, " {\"a\"\t:\n1} ", `{"a\u0000b":"\u0000"}`,
		`[[1,[2,[]],[]],[[[]]],3]`, `[[1] 2]`, `[[1],]`, `[ [ ] , [ [ ] ] ]`, `[[],`, `[[[{"a":[[1]],"A":0}]]]`, `{"a":[[[[{"b":[[]]}]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := string(data)
		err := Valid(data, 0)
		members, objErr := ParseObject(data, 0, nil)
		if string(data) != orig {
			t.Fatal("the scanner modified its input")
		}
		// ParseObjectSpans agrees with ParseObject, member by member, and
		// with the scanner as it was before its duplicate check became
		// the index (legacy_test.go); Find finds every member by its name.
		var ix Index
		spans, spanErr := ParseObjectSpans(data, 0, nil, &ix)
		oldSpans, oldErr := oldParseObjectSpans(data, 0, nil)
		if (oldErr == nil) != (spanErr == nil) || (oldErr != nil && oldErr.Error() != spanErr.Error()) || len(oldSpans) != len(spans) {
			t.Fatalf("ParseObjectSpans: %d spans, error %v; the former scanner: %d, %v", len(spans), spanErr, len(oldSpans), oldErr)
		}
		if (spanErr == nil) != (objErr == nil) || (spanErr != nil && spanErr.Error() != objErr.Error()) {
			t.Fatalf("ParseObjectSpans error %v; ParseObject's %v", spanErr, objErr)
		}
		if objErr == nil {
			if len(spans) != len(members) {
				t.Fatalf("%d spans for %d members", len(spans), len(members))
			}
			for i, sp := range spans {
				if !bytes.Equal(SpanName(sp, data), members[i].Name) || !bytes.Equal(SpanValue(sp, data), members[i].Value) ||
					!SpanNameIs(sp, data, string(members[i].Name)) || sp != oldSpans[i] {
					t.Fatalf("span %d is %q: %q; member is %q: %q", i, SpanName(sp, data), SpanValue(sp, data), members[i].Name, members[i].Value)
				}
				if found, ok := Find(&ix, spans, string(data), string(members[i].Name)); !ok || found != sp {
					t.Fatalf("Find(%q) = %v, %v; want span %d", members[i].Name, found, ok, i)
				}
			}
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("Valid error %v is %T", err, err)
		}

		// ParseObject agrees with Valid.
		isObject := len(bytes.TrimLeft(data, " \t\r\n")) > 0 && bytes.TrimLeft(data, " \t\r\n")[0] == '{'
		switch {
		case err != nil && objErr == nil:
			t.Fatalf("ParseObject accepted what Valid refuses: %v", err)
		case err == nil && isObject && objErr != nil:
			t.Fatalf("ParseObject refused a valid object: %v", objErr)
		case err == nil && !isObject && !errors.Is(objErr, ErrNotObject):
			t.Fatalf("ParseObject on a valid non-object = %v; want ErrNotObject", objErr)
		}

		ref, refOK, unsure := reference(data)
		if err == nil {
			if !json.Valid(data) {
				t.Fatal("strictjson accepted what encoding/json refuses")
			}
			if !utf8.Valid(data) {
				t.Fatal("strictjson accepted invalid UTF-8")
			}
			if !refOK && !unsure {
				t.Fatalf("strictjson accepted a document with duplicate names, deep nesting or lone surrogates")
			}
		} else if refOK && !unsure && json.Valid(data) {
			t.Fatalf("strictjson refused a document encoding/json accepts and that breaks no strict rule: %v", err)
		}

		if objErr != nil {
			return
		}
		// The members are the ones encoding/json reads, in order.
		if len(members) != len(ref.topNames) {
			t.Fatalf("%d members; encoding/json reads %d", len(members), len(ref.topNames))
		}
		for i, m := range members {
			if string(m.Name) != ref.topNames[i] {
				t.Fatalf("member %d is %q; encoding/json reads %q", i, m.Name, ref.topNames[i])
			}
			if !json.Valid(m.Value) {
				t.Fatalf("member %q has value %q that is not JSON", m.Name, m.Value)
			}
			var want any
			if err := json.Unmarshal(m.Value, &want); err != nil {
				t.Fatal(err)
			}
			switch w := want.(type) {
			case string:
				if s, ok := String(m.Value); !ok || s != w || !StringEqual(m.Value, w) {
					t.Fatalf("String(%s) = %q; encoding/json reads %q", m.Value, s, w)
				}
				// The same value held as a Go string reads the same.
				if s, ok := String(string(m.Value)); !ok || s != w || !StringEqual(string(m.Value), w) {
					t.Fatalf("String(%q) as a Go string = %q; encoding/json reads %q", m.Value, s, w)
				}
			case float64:
				if n, ok := Number(m.Value); !ok || n != w {
					t.Fatalf("Number(%s) = %v; encoding/json reads %v", m.Value, n, w)
				}
				if n, ok := Number(string(m.Value)); !ok || n != w {
					t.Fatalf("Number(%q) as a Go string = %v; encoding/json reads %v", m.Value, n, w)
				}
			case bool:
				if b, ok := Bool(m.Value); !ok || b != w {
					t.Fatalf("Bool(%s) = %v", m.Value, b)
				}
			case []any:
				// Elements finds the elements encoding/json reads, byte for
				// byte, from bytes and from a Go string alike.
				var raws []json.RawMessage
				if err := json.Unmarshal(m.Value, &raws); err != nil {
					t.Fatal(err)
				}
				elems, ok := Elements(m.Checked(), nil)
				// A string copy of checked text is checked text.
				strElems, strOK := Elements(Checked[string]{string(m.Value)}, nil)
				if !ok || !strOK || len(elems) != len(raws) || len(strElems) != len(raws) {
					t.Fatalf("Elements(%s) = %d (%v), %d as a string (%v); encoding/json reads %d", m.Value, len(elems), ok, len(strElems), strOK, len(raws))
				}
				for i := range raws {
					if !bytes.Equal(elems[i].Text(), raws[i]) || strElems[i].Text() != string(raws[i]) {
						t.Fatalf("element %d of %s is %q (%q as a string); encoding/json reads %q", i, m.Value, elems[i].Text(), strElems[i].Text(), raws[i])
					}
				}
			case nil:
				if !IsNull(m.Value) || !IsNull(string(m.Value)) {
					t.Fatalf("IsNull(%s) is false", m.Value)
				}
			}
		}
	})
}

type refResult struct {
	topNames []string
}

// reference reads data with encoding/json's tokenizer and reports whether
// it breaks none of the strict rules strictjson adds (duplicate or
// case-folded duplicate names, nesting past DefaultMaxDepth, invalid UTF-8,
// surrogate escapes). unsure is set for documents with a \u escape in the
// surrogate range, which encoding/json decodes silently whether or not the
// surrogates pair up, so it cannot be the reference for them.
func reference(data []byte) (res refResult, ok, unsure bool) {
	if !utf8.Valid(data) {
		return res, false, false
	}
	unsure = bytes.Contains(bytes.ToLower(data), []byte(`\ud`))
	var stack []*refFrame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return res, true, unsure
		}
		if err != nil {
			return res, false, unsure
		}
		var top *refFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone(stack)
				continue
			}
			name := tok.(string)
			folded := string(AppendFold(nil, []byte(name)))
			if top.names[folded] {
				return res, false, unsure
			}
			top.names[folded] = true
			if len(stack) == 1 {
				res.topNames = append(res.topNames, name)
			}
			top.wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, &refFrame{object: tok == json.Delim('{'), wantKey: true, names: map[string]bool{}})
			if len(stack) > DefaultMaxDepth {
				return res, false, unsure
			}
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone(stack)
		default:
			valueDone(stack)
		}
	}
}

// valueDone marks that the enclosing object, if any, expects a name next.
func valueDone(stack []*refFrame) {
	if len(stack) > 0 {
		stack[len(stack)-1].wantKey = true
	}
}

type refFrame struct {
	object  bool
	wantKey bool
	names   map[string]bool
}

// FuzzValueReaders gives String, StringEqual and Number text that no
// scanner checked: each either reads exactly what the text means as a
// whole JSON value or says ok false; never a wrong value, never a panic.
func FuzzValueReaders(f *testing.F) {
	for _, s := range []string{`"a"`, `"a"b"`, `"a","b"`, `"\q"`, `"\ud800"`, "\"\xff\"", "\"a\x01\"", `"`, `""`, `"\"`,
		`0`, `01`, `-0`, `0x10`, `1_000`, `Inf`, `-Infinity`, `1e5`, `1.`, `.5`, `1e400`, `123456789012345`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		valid := Valid([]byte(text), 0) == nil
		// A value the scanner hands out has no white space around it; the
		// readers may refuse text with some.
		bare := valid && strings.TrimSpace(text) == text
		if s, ok := String(text); ok {
			var want string
			if !valid || json.Unmarshal([]byte(text), &want) != nil || want != s {
				t.Fatalf("String(%q) = %q; the text is not that JSON string (valid %v)", text, s, valid)
			}
			if !StringEqual(text, s) || !StringEqual([]byte(text), s) {
				t.Fatalf("StringEqual(%q, %q) is false", text, s)
			}
		} else if bare && text[0] == '"' {
			t.Fatalf("String refused %q, a valid JSON string", text)
		} else if StringEqual(text, "") {
			t.Fatalf("StringEqual(%q) is true for text String refuses", text)
		}
		if n, ok := Number(text); ok {
			var want float64
			if !valid || json.Unmarshal([]byte(text), &want) != nil || want != n {
				t.Fatalf("Number(%q) = %v; the text is not that JSON number (valid %v)", text, n, valid)
			}
		} else if bare && (text[0] == '-' || text[0] >= '0' && text[0] <= '9') {
			var want float64
			if json.Unmarshal([]byte(text), &want) == nil {
				t.Fatalf("Number refused %q, a JSON number encoding/json reads as %v", text, want)
			}
		}
	})
}

// FuzzStrings checks Strings against Elements and String on every array
// Check accepts: the same strings, or ok false exactly when some element
// is not a string.
func FuzzStrings(f *testing.F) {
	for _, seed := range []string{`["a","b"]`, `[]`, ` [ "x\u00e9" , "" ] `, `["a",1]`, `[["a"]]`, `{"a":1}`, `"s"`} {
		f.Add(seed)
	}
	// Arrays longer than Strings reads in one pass, with an escape on
	// either side of that count.
	for _, at := range []int{rememberedStrings - 1, rememberedStrings + 2} {
		elems := make([]string, rememberedStrings+6)
		for i := range elems {
			elems[i] = fmt.Sprintf(`"e%d"`, i)
		}
		elems[at] = `"x\"y\u00e9"`
		f.Add("[" + strings.Join(elems, " ,") + "]")
	}
	f.Fuzz(func(t *testing.T, in string) {
		checked, err := Check([]byte(in), 0)
		if err != nil {
			return
		}
		text := string(trimWhite(checked.Text()))
		got, ok := Strings(Checked[string]{text}, nil)
		elems, isArray := Elements(Checked[string]{text}, nil)
		want, wantOK := []string{}, isArray
		for _, e := range elems {
			s, isString := String(e.Text())
			if !isString {
				wantOK = false
				break
			}
			want = append(want, s)
		}
		if ok != wantOK {
			t.Fatalf("Strings(%q) ok = %v; Elements and String say %v", text, ok, wantOK)
		}
		if ok && !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
			t.Fatalf("Strings(%q) = %q; want %q", text, got, want)
		}
	})
}
