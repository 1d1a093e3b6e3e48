package accesstoken

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// What the verified-token cache keeps of a JWT access token, and how a hit
// becomes a Token again.
//
// An entry is what a hit needs and nothing else: the Token's strings copied
// into one string of their own (so the entry keeps nothing of the decoded
// token alive), its times as numbers, and the key that verified it with the
// key source of its issuer. It keeps no Token and no claims set: a Token is
// made afresh for every hit (Token.Claims reads the claims again from the
// raw token, for the rare caller that asks). With the tokencache entry that
// holds it, a typical entry costs about 450 bytes beside the raw token,
// which the entry shares with the caller (TestCacheEntryMemory).

// cached is a verified-token cache entry's value. It is immutable once
// made, and shared by every hit.
type cached struct {
	// strs holds the Token's strings, each as its length (a uvarint) and
	// its bytes, in the order of packedFields; then the audiences, scopes
	// and permissions, counted by n.
	strs  string
	keys  token.KeySource // the key source of the token's issuer
	key   *token.Key      // the key that verified the token
	secs  [3]int64        // exp, iat, nbf: Unix seconds, noTime when absent
	nanos [3]uint32       // and their nanoseconds
	n     [3]uint32       // how many audiences, scopes and permissions
	kid   bool            // the token named its key by kid (key.ID())
}

// noTime marks a time claim the token does not carry.
const noTime = math.MinInt64

// packedFields is how many of a Token's single strings an entry keeps:
// Issuer, Subject, ID, ClientID, Confirmation.JKT and Confirmation.X5TS256.
const packedFields = 6

// newCached makes the cache entry for t, verified with key from keys; kid
// says whether the token's header named the key by kid.
func newCached(t *Token, keys token.KeySource, key *token.Key, kid bool) cached {
	single := [packedFields]string{t.Issuer, t.Subject, t.ID, t.ClientID, t.Confirmation.JKT, t.Confirmation.X5TS256}
	lists := [3][]string{t.Audience, t.Scopes, t.Permissions}
	size := 0
	for _, s := range single {
		size += uvarintLen(len(s)) + len(s)
	}
	for _, l := range lists {
		for _, s := range l {
			size += uvarintLen(len(s)) + len(s)
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, s := range single {
		writeString(&b, s)
	}
	e := cached{keys: keys, key: key, kid: kid}
	for i, l := range lists {
		for _, s := range l {
			writeString(&b, s)
		}
		e.n[i] = uint32(len(l))
	}
	e.strs = b.String()
	for i, tm := range [3]time.Time{t.ExpiresAt, t.IssuedAt, t.NotBefore} {
		e.secs[i], e.nanos[i] = noTime, 0
		if !tm.IsZero() {
			e.secs[i], e.nanos[i] = tm.Unix(), uint32(tm.Nanosecond())
		}
	}
	return e
}

// times returns the entry's exp, iat and nbf as the pipeline made them.
func (e *cached) times() (exp, iat, nbf time.Time) {
	at := func(i int) time.Time {
		if e.secs[i] == noTime {
			return time.Time{}
		}
		return time.Unix(e.secs[i], int64(e.nanos[i])).UTC()
	}
	return at(0), at(1), at(2)
}

// token returns a new Token for a hit of raw, which shares the entry's
// strings (immutable) and nothing a caller could change: its three slices
// are its own, allocated with the Token.
func (e *cached) token(raw string, exp, iat, nbf time.Time) *Token {
	nAud, nScp, nPerm := int(e.n[0]), int(e.n[1]), int(e.n[2])
	t, buf := newToken(nAud + nScp + nPerm)
	var single [packedFields]string
	rest := e.strs
	for i := range single {
		single[i], rest = readString(rest)
	}
	for i := range buf {
		buf[i], rest = readString(rest)
	}
	*t = Token{
		Issuer:       single[0],
		Subject:      single[1],
		ID:           single[2],
		ClientID:     single[3],
		Confirmation: Confirmation{JKT: single[4], X5TS256: single[5]},
		ExpiresAt:    exp,
		IssuedAt:     iat,
		NotBefore:    nbf,
		Raw:          raw,
		fromCache:    true,
	}
	// Each list's capacity ends at its length, so appending to one cannot
	// overwrite the next. An empty list is nil, as the pipeline leaves it.
	if nAud > 0 {
		t.Audience = buf[:nAud:nAud]
	}
	if nScp > 0 {
		t.Scopes = buf[nAud : nAud+nScp : nAud+nScp]
	}
	if nPerm > 0 {
		t.Permissions = buf[nAud+nScp:]
	}
	return t
}

// newToken allocates a Token and room for n strings together: a hit costs
// one allocation, not two, for a token of up to 32 audiences, scopes and
// permissions. The sizes follow the allocator's size classes (a Token is
// 304 bytes, a string 16).
func newToken(n int) (*Token, []string) {
	switch {
	case n == 0:
		return new(Token), nil
	case n <= 4:
		p := new(struct {
			t Token
			s [4]string
		})
		return &p.t, p.s[:n:n]
	case n <= 8:
		p := new(struct {
			t Token
			s [8]string
		})
		return &p.t, p.s[:n:n]
	case n <= 12:
		p := new(struct {
			t Token
			s [12]string
		})
		return &p.t, p.s[:n:n]
	case n <= 16:
		p := new(struct {
			t Token
			s [16]string
		})
		return &p.t, p.s[:n:n]
	case n <= 32:
		p := new(struct {
			t Token
			s [32]string
		})
		return &p.t, p.s[:n:n]
	}
	return new(Token), make([]string, n)
}

// keyLive reports whether the key that verified a cached token is still in
// the key set of the token's own issuer, asking that issuer's source as the
// pipeline did: by the token's kid, or with none.
func (v *Validator) keyLive(ctx context.Context, e cached) bool {
	kid := ""
	if e.kid {
		kid = e.key.ID()
	}
	set, err := e.keys.Keys(ctx, kid)
	return err == nil && set.Contains(e.key)
}

func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

func writeString(b *strings.Builder, s string) {
	n := uint(len(s))
	for n >= 0x80 {
		b.WriteByte(byte(n) | 0x80)
		n >>= 7
	}
	b.WriteByte(byte(n))
	b.WriteString(s)
}

// readString reads what writeString wrote at the start of s and returns it
// and the rest of s. s was written by newCached, so it is well formed.
func readString(s string) (string, string) {
	n, shift, i := 0, 0, 0
	for ; s[i] >= 0x80; i++ {
		n |= int(s[i]&0x7f) << shift
		shift += 7
	}
	n |= int(s[i]) << shift
	i++
	return s[i : i+n], s[i+n:]
}
