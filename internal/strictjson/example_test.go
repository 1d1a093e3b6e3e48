package strictjson_test

import (
	"fmt"

	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// ParseObject returns a document's top-level members as slices of the
// input, and refuses what encoding/json would read ambiguously.
func ExampleParseObject() {
	members, err := strictjson.ParseObject([]byte(`{"iss":"https://issuer.example/","exp":1700003600}`), 16, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range members {
		fmt.Printf("%s = %s (%s)\n", m.Name, m.Value, strictjson.Kind(m.Value))
	}
	exp, _ := strictjson.Number(members[1].Value)
	fmt.Println(int64(exp))

	// encoding/json would let the last "iss" win, or let "ISS" fill an iss
	// field; here both are refused.
	_, err = strictjson.ParseObject([]byte(`{"iss":"https://issuer.example/","ISS":"https://evil.example/"}`), 16, nil)
	fmt.Println(err)
	// Output:
	// iss = "https://issuer.example/" (a string)
	// exp = 1700003600 (a number)
	// 1700003600
	// invalid JSON at byte 33: duplicate member name "ISS"
}

// ParseObjectSpans can index the members as it checks them, so that a
// reader that looks up many names, most of them absent, finds each in
// about one probe.
func ExampleFind() {
	doc := `{"iss":"https://issuer.example/","aud":["api","userinfo"],"exp":1700003600}`
	var ix strictjson.Index
	spans, err := strictjson.ParseObjectSpans([]byte(doc), 16, nil, &ix)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"aud", "AUD", "nonce"} {
		if sp, ok := strictjson.Find(&ix, spans, doc, name); ok {
			fmt.Printf("%s: %s\n", name, strictjson.SpanValue(sp, doc))
		} else {
			fmt.Printf("%s: absent\n", name)
		}
	}
	// Output:
	// aud: ["api","userinfo"]
	// AUD: absent
	// nonce: absent
}
