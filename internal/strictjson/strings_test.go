package strictjson

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Strings reads arrays longer than the elements it remembers in one pass
// the same as short ones, escapes included, on either side of that count.
func TestStringsLongArrays(t *testing.T) {
	for _, n := range []int{0, 1, rememberedStrings - 1, rememberedStrings, rememberedStrings + 1, 2*rememberedStrings + 3} {
		for _, escAt := range []int{-1, 0, rememberedStrings - 1, rememberedStrings, n - 1} {
			want := make([]string, n)
			for i := range want {
				want[i] = fmt.Sprintf("https://api.example.com/%03d", i)
				if i == escAt {
					want[i] += "/é\"q"
				}
			}
			text, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			// Escape é as JSON may: \u00e9.
			doc := strings.ReplaceAll(string(text), "é", `\u00e9`)
			got, ok := Strings(Checked[string]{doc}, nil)
			if !ok || len(got) != n || (n > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("%d elements, escape at %d: Strings = %q, %v", n, escAt, got, ok)
			}
		}
	}
}
