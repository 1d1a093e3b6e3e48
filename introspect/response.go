package introspect

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/tokenguard/tokenguard/internal/scope"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// Scopes splits Scope into its scopes, at spaces only (RFC 6749 §3.3), as
// a JWT access token's scope claim is split: any other whitespace, such as
// a tab or a no-break space, is part of the scope it appears in. It returns
// nil when there are none.
func (r *Response) Scopes() []string {
	if r == nil {
		return nil
	}
	return scope.Split(r.Scope)
}

// HasScope reports whether Scope lists s exactly, splitting as Scopes does.
func (r *Response) HasScope(s string) bool {
	return r != nil && scope.Has(r.Scope, s)
}

// Clone returns a deep copy of r: changing the copy's Audience or Extra (or
// the bytes of an Extra value) leaves r untouched. Cache hands every caller
// its own clone, so no caller can change what another one sees.
func (r *Response) Clone() *Response {
	if r == nil {
		return nil
	}
	var c *Response
	if n := len(r.Audience); n > 0 && n <= len(responseWithAudience{}.aud) {
		// The usual one or two audiences share the copy's allocation.
		x := &responseWithAudience{r: *r}
		copy(x.aud[:], r.Audience)
		x.r.Audience = x.aud[:n:n]
		c = &x.r
	} else {
		c = new(Response)
		*c = *r
		if r.Audience != nil {
			c.Audience = slices.Clone(r.Audience)
		}
	}
	if r.Extra != nil {
		c.Extra = make(map[string]json.RawMessage, len(r.Extra))
		n := 0
		for _, v := range r.Extra {
			n += len(v)
		}
		buf := make([]byte, 0, n)
		for k, v := range r.Extra {
			start := len(buf)
			buf = append(buf, v...)
			c.Extra[k] = json.RawMessage(buf[start:len(buf):len(buf)])
		}
	}
	return c
}

// responseWithAudience lets Clone copy a Response and a short Audience in
// one allocation.
type responseWithAudience struct {
	r   Response
	aud [2]string
}

// registered lists the members Response types, in the order MarshalJSON
// writes them.
var registered = [...]string{
	"active", "scope", "client_id", "username", "token_type",
	"exp", "iat", "nbf", "sub", "aud", "iss", "jti",
}

func isRegistered(name string) bool {
	for _, n := range registered {
		if n == name {
			return true
		}
	}
	return false
}

// MarshalJSON writes r as an RFC 7662 introspection response: the typed
// members that are set (active always), then the Extra members in name
// order. A time is written as seconds since the epoch; an Audience of one
// value as a string, of several as an array. It refuses an Extra member that
// repeats a typed member's name, differs from another only by case, or holds
// invalid JSON, so for an active Response with times between 1970 and 9999
// the output parses back with ParseResponse to an equal Response. Programs
// that need the answer as claims can pass the output to token.ParseClaims.
func (r *Response) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"active":`...)
	b = strconv.AppendBool(b, r.Active)
	str := func(name, v string) {
		if v != "" {
			b = appendName(b, name)
			b = appendString(b, v)
		}
	}
	tm := func(name string, t time.Time) {
		if !t.IsZero() {
			b = appendName(b, name)
			b = appendTime(b, t)
		}
	}
	str("scope", r.Scope)
	str("client_id", r.ClientID)
	str("username", r.Username)
	str("token_type", r.TokenType)
	tm("exp", r.ExpiresAt)
	tm("iat", r.IssuedAt)
	tm("nbf", r.NotBefore)
	str("sub", r.Subject)
	switch len(r.Audience) {
	case 0:
	case 1:
		b = appendName(b, "aud")
		b = appendString(b, r.Audience[0])
	default:
		b = appendName(b, "aud")
		b = append(b, '[')
		for i, a := range r.Audience {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, a)
		}
		b = append(b, ']')
	}
	str("iss", r.Issuer)
	str("jti", r.ID)
	names := make([]string, 0, len(r.Extra))
	for name := range r.Extra {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if isRegistered(name) {
			return nil, fmt.Errorf("introspect: Response.Extra holds %q, which is a typed member of Response; set the field instead", name)
		}
		v := r.Extra[name]
		if err := strictjson.Valid(v, 0); err != nil {
			return nil, fmt.Errorf("introspect: Response.Extra[%q] is not valid JSON: %w", name, err)
		}
		b = appendName(b, name)
		b = append(b, v...)
	}
	b = append(b, '}')
	if _, err := strictjson.ParseObject(b, 0, nil); err != nil {
		// Only Extra names equal to each other but for case can get here.
		return nil, fmt.Errorf("introspect: Response.Extra has member names that differ only by case: %w", err)
	}
	return b, nil
}

func appendName(b []byte, name string) []byte {
	b = append(b, ',')
	b = appendString(b, name)
	return append(b, ':')
}

func appendString(b []byte, s string) []byte {
	enc, err := json.Marshal(s)
	if err != nil { // cannot happen for a string
		return append(b, `""`...)
	}
	return append(b, enc...)
}

func appendTime(b []byte, t time.Time) []byte {
	sec, nsec := t.Unix(), t.Nanosecond()
	if nsec == 0 {
		return strconv.AppendInt(b, sec, 10)
	}
	f := float64(sec) + float64(nsec)/1e9
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.AppendInt(b, sec, 10)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
