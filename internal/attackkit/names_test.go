package attackkit

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// Every spelling is the name itself once JSON unescapes it, or the name in
// another case; each kind turns up.
func TestSpellName(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := map[string]int{}
	for range 2000 {
		for _, name := range []string{"aud", "client_id", "n"} {
			spelled := SpellName(rng, name)
			var m map[string]int
			if err := json.Unmarshal([]byte(`{"`+spelled+`":1}`), &m); err != nil {
				t.Fatalf("%q is not a JSON member name: %v", spelled, err)
			}
			var got string
			for k := range m {
				got = k
			}
			switch {
			case strings.Contains(spelled, `\u`):
				if got != name {
					t.Fatalf("%q unescapes to %q; want %q", spelled, got, name)
				}
				kinds["escaped"]++
			case got == name:
				kinds["plain"]++
			case strings.EqualFold(got, name):
				kinds["recased"]++
			default:
				t.Fatalf("%q is neither %q nor it in another case", spelled, name)
			}
		}
	}
	if kinds["escaped"] == 0 || kinds["plain"] == 0 || kinds["recased"] == 0 {
		t.Errorf("spellings by kind: %v", kinds)
	}
}
