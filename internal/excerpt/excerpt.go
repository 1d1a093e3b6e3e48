// Package excerpt bounds text taken from untrusted input (a token's claims
// and header, a server's answer) before it goes into an error message or a
// log line, so that a hostile value cannot make a message long, unreadable
// or misleading. It is the one truncation rule of the module: Of for a
// value, Text for a server's own words, both cut and cleaned alike.
package excerpt

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Max is how many bytes of a value (a claim, a key ID, a header parameter)
// a message shows.
const Max = 64

// MaxText is how many bytes of a server's own words (an error description,
// a redirect target, a transport error) a message shows: sentences rather
// than values, so a longer cut.
const MaxText = 200

// Ellipsis marks where an excerpt was cut.
const Ellipsis = "…"

// Of returns s fit for a message: cut to at most Max bytes on a character
// boundary, with Ellipsis appended when it was longer, invalid UTF-8 and
// characters that do not print (control and format characters, line
// breaks) each replaced by U+FFFD.
func Of[S ~string | ~[]byte](s S) string { return cut(s, Max) }

// Quote returns Of(s) as a double-quoted Go string literal.
func Quote(s string) string { return strconv.Quote(Of(s)) }

// Text returns words a remote server sent (an error description, a header,
// a transport error that quotes the request) fit for an error message and a
// log line: every one of secrets (the token sent, the client's credentials)
// replaced by "[redacted]" first, in case the server echoes the request,
// then cut and cleaned as Of does, to MaxText bytes.
func Text(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return cut(s, MaxText)
}

// cut applies the rule of Of with max bytes.
func cut[S ~string | ~[]byte](s S, max int) string {
	end, more := len(s), false
	if end > max {
		end, more = max, true
		for end > 0 && !utf8.RuneStart(s[end]) {
			end--
		}
	}
	if plain(s[:end]) {
		if !more {
			return string(s)
		}
		return string(s[:end]) + Ellipsis
	}
	var b strings.Builder
	b.Grow(end + len(Ellipsis))
	for i := 0; i < end; {
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, end)]))
		if (r == utf8.RuneError && n <= 1) || !unicode.IsPrint(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += n
	}
	if more {
		b.WriteString(Ellipsis)
	}
	return b.String()
}

// plain reports whether s is printable ASCII only, which needs no change.
func plain[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// AppendQuoted appends Of(s) quoted, exactly as strconv.AppendQuote quotes
// it. A value a refusal quotes is nearly always a short string of printable
// ASCII without quotes or backslashes (a client ID, a URL), which quotes as
// itself between two quotes: that is written at once, where strconv would
// decode and test it rune by rune, most of the cost of a refusal's words.
func AppendQuoted(b []byte, s string) []byte {
	if len(s) > Max {
		return strconv.AppendQuote(b, Of(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, Of(s))
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
