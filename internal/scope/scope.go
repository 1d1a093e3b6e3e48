// Package scope splits OAuth 2.0 scope strings, one way for every path a
// token takes: the JWT access token's "scope" (and Entra ID's string "scp")
// claim and the "scope" member of an introspection answer.
//
// RFC 6749 §3.3 delimits scope tokens with the space character (%x20) and
// allows no other whitespace inside them, so a scope string is split at
// spaces and nowhere else. A tab, a no-break space or any other Unicode
// whitespace is part of the scope it stands in: "read\u00a0admin" is one
// scope, which grants neither "read" nor "admin". Splitting at any
// whitespace instead (strings.Fields) would let a server's or a token's
// odd character grant a scope nobody granted.
package scope

// Split returns the scopes of s, in order, without empty ones (several
// spaces in a row, or leading and trailing ones, delimit nothing). It
// returns nil for a string with no scopes. The scopes are substrings of s:
// the one allocation is the slice, sized exactly by a first pass.
func Split(s string) []string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && (i == 0 || s[i-1] == ' ') {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < len(s); {
		tok, next := nextScope(s, i)
		if tok != "" {
			out = append(out, tok)
		}
		i = next
	}
	return out
}

// Has reports whether s lists want as one of its scopes, exactly, without
// allocating. An empty want is never listed.
func Has(s, want string) bool {
	if want == "" {
		return false
	}
	for i := 0; i < len(s); {
		tok, next := nextScope(s, i)
		if tok == want {
			return true
		}
		i = next
	}
	return false
}

// nextScope returns the scope that starts at or after s[i] ("" when only
// spaces remain) and the index just past it.
func nextScope(s string, i int) (tok string, next int) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	start := i
	for i < len(s) && s[i] != ' ' {
		i++
	}
	return s[start:i], i
}
