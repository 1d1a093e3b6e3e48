package middleware

import (
	"strconv"
	"strings"
	"time"
)

// maxHeaderDescription bounds the error_description carried in a
// WWW-Authenticate header, so a long validation reason cannot bloat every
// refusal; the response body carries the whole sentence.
const maxHeaderDescription = 256

// challenge returns the WWW-Authenticate value for e: the Bearer scheme
// followed by the auth-params of RFC 6750 §3 (realm, error,
// error_description, scope) and RFC 9470 §3 (acr_values, max_age). Empty
// parameters are left out, so a request without a token gets just
// `Bearer realm="..."` (or `Bearer` when no realm is configured).
func challenge(realm string, e *Error) string {
	var b strings.Builder
	b.Grow(64 + len(realm) + len(e.Description) + len(e.Scope))
	b.WriteString("Bearer")
	sep := " "
	param := func(name, value string) {
		b.WriteString(sep)
		sep = ", "
		b.WriteString(name)
		b.WriteByte('=')
		appendQuoted(&b, value)
	}
	if realm != "" {
		param("realm", realm)
	}
	if e.Code != "" {
		param("error", e.Code)
	}
	if e.Code != "" && e.Description != "" {
		param("error_description", headerDescription(e.Description))
	}
	if e.Scope != "" {
		param("scope", e.Scope)
	}
	if len(e.ACRValues) > 0 {
		param("acr_values", strings.Join(e.ACRValues, " "))
	}
	if e.MaxAge > 0 {
		// Rounded down, on purpose: an authentication that satisfies the
		// stricter whole-second bound also satisfies ours, while rounding
		// up would let the client come back with one we refuse again.
		param("max_age", strconv.FormatInt(int64(e.MaxAge/time.Second), 10))
	}
	return b.String()
}

// appendQuoted writes s as an RFC 9110 quoted-string: '"' and '\' are
// escaped with a backslash, and control characters (including HTAB and DEL)
// and every byte outside US-ASCII are dropped, so the value can neither end
// the parameter early nor split or corrupt the header.
func appendQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// headerDescription shapes a description for the error_description
// parameter. RFC 6750 §3 allows only printable US-ASCII other than '"' and
// '\' there (even escaped), so those two become "'" and "/"; appendQuoted
// then drops what is not printable ASCII. The result is cut to
// maxHeaderDescription bytes, marked with an ASCII "..." where excerpt's
// cut would put "…", which the header cannot carry; what it cuts is the
// validator's own sentence, whose quoted values excerpt bounded already.
func headerDescription(s string) string {
	if strings.ContainsAny(s, "\"\\") {
		s = strings.NewReplacer(`"`, `'`, `\`, `/`).Replace(s)
	}
	if len(s) > maxHeaderDescription {
		s = s[:maxHeaderDescription-3] + "..."
	}
	return s
}
