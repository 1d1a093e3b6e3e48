package attackkit

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// SpellName returns the claim name name as a generated claim set may write
// it, for tests that hold two readers of claims against each other: usually
// as itself; sometimes with one byte, anywhere in it, as a \u escape with
// hex digits of either case (the same claim, which a reader must find);
// sometimes in upper case or capitalised (another claim, which a reader
// must not take for it). name must be ASCII and not empty.
func SpellName(rng *rand.Rand, name string) string {
	switch rng.IntN(10) {
	case 0, 1:
		j := rng.IntN(len(name))
		esc := fmt.Sprintf(`\u%04x`, name[j])
		if rng.IntN(2) == 0 {
			esc = `\u` + strings.ToUpper(esc[2:])
		}
		return name[:j] + esc + name[j+1:]
	case 2:
		return strings.ToUpper(name)
	case 3:
		return strings.ToUpper(name[:1]) + name[1:]
	}
	return name
}
