// Package excerpt bounds values taken from untrusted input (a token's
// claims and header, a server's answer) before they go into an error message
// or a log line, so that a hostile value cannot make a message long or
// unreadable. It is the one truncation rule of the module.
package excerpt

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Max is how many bytes of a value a message shows.
const Max = 64

// Of returns s, cut to at most Max bytes on a character boundary with "…"
// appended when it was longer, and with invalid UTF-8 replaced by U+FFFD.
func Of[S ~string | ~[]byte](s S) string {
	if len(s) <= Max {
		return strings.ToValidUTF8(string(s), "\uFFFD")
	}
	cut := Max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(s[:cut]), "\uFFFD") + "…"
}

// Quote returns Of(s) as a double-quoted Go string literal.
func Quote(s string) string { return strconv.Quote(Of(s)) }
