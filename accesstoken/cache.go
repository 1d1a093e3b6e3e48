package accesstoken

import (
	"context"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// What the verified-token cache keeps of a JWT access token, and how a hit
// becomes a Token again.
//
// An entry is what a hit needs and nothing else: the Token's strings copied
// into one string of their own (so the entry keeps nothing of the decoded
// token alive), its times, and the key that verified it with the key
// source of its issuer. It keeps no Token and no claims set: a Token is
// made afresh for every hit (Token.Claims reads the claims again from the
// raw token, for the rare caller that asks). With the tokencache entry that
// holds it, a typical entry costs about 450 bytes beside the raw token,
// which the entry shares with the caller (TestCacheEntryMemory).

// cached is a verified-token cache entry's value. It is immutable once
// made, and shared by every hit.
type cached struct {
	// strs holds the end offset of each of the Token's strings (two bytes,
	// little-endian, from the start of the text) and then the strings
	// themselves: first the packedFields, then the audiences, scopes and
	// permissions, counted by n.
	strs  string
	keys  token.KeySource // the key source of the token's issuer
	key   *token.Key      // the key that verified the token
	times [3]time.Time    // exp, iat, nbf
	n     [3]uint16       // how many audiences, scopes and permissions
	kid   bool            // the token named its key by kid (key.ID())
}

// packedFields is how many of a Token's single strings an entry keeps:
// Issuer, Subject, ID, ClientID, Confirmation.JKT and Confirmation.X5TS256.
const packedFields = 6

// maxPacked bounds what an entry's strs may hold, so that two bytes hold
// every offset. Only a token far larger than DefaultMaxTokenSize could
// carry more (token.DefaultMaxTokenSize is 16 KiB); it is validated every
// time rather than cached.
const maxPacked = 1<<16 - 1

// newCached makes the cache entry for t, verified with key from keys; kid
// says whether the token's header named the key by kid. ok is false for a
// token whose values do not fit an entry (see maxPacked).
func newCached(t *Token, keys token.KeySource, key *token.Key, kid bool) (e cached, ok bool) {
	single := [packedFields]string{t.Issuer, t.Subject, t.ID, t.ClientID, t.Confirmation.JKT, t.Confirmation.X5TS256}
	lists := [3][]string{t.Audience, t.Scopes, t.Permissions}
	count, size := packedFields, 0
	for _, s := range single {
		size += len(s)
	}
	for _, l := range lists {
		if len(l) > maxPacked {
			return e, false
		}
		count += len(l)
		for _, s := range l {
			size += len(s)
		}
	}
	if 2*count+size > maxPacked {
		return e, false
	}
	// The offsets follow from the lengths, so they are written first and
	// the strings after them, into a Builder of the exact size: one
	// allocation, which becomes the entry's string without a copy.
	var b strings.Builder
	b.Grow(2*count + size)
	end := 2 * count
	offset := func(s string) { // little-endian, as token reads it
		end += len(s)
		b.WriteByte(byte(end))
		b.WriteByte(byte(end >> 8))
	}
	for _, s := range single {
		offset(s)
	}
	for _, l := range lists {
		for _, s := range l {
			offset(s)
		}
	}
	for _, s := range single {
		b.WriteString(s)
	}
	for _, l := range lists {
		for _, s := range l {
			b.WriteString(s)
		}
	}
	return cached{
		strs:  b.String(),
		keys:  keys,
		key:   key,
		times: [3]time.Time{t.ExpiresAt, t.IssuedAt, t.NotBefore},
		n:     [3]uint16{uint16(len(t.Audience)), uint16(len(t.Scopes)), uint16(len(t.Permissions))},
		kid:   kid,
	}, true
}

// token returns a new Token for a hit of raw, which shares the entry's
// strings (immutable) and nothing a caller could change: its three slices
// are its own, allocated with the Token.
func (e *cached) token(raw string) *Token {
	nAud, nScp, nPerm := int(e.n[0]), int(e.n[1]), int(e.n[2])
	n := nAud + nScp + nPerm
	strs := e.strs
	start := 2 * (packedFields + n)
	str := func(i int) string {
		end := int(strs[2*i]) | int(strs[2*i+1])<<8
		s := strs[start:end]
		start = end
		return s
	}
	// The fields are set one by one in the new, zeroed Token: assigning a
	// whole Token literal would build it on the stack and copy all of its
	// 300-odd bytes, with the garbage collector's barrier over each word
	// while a collection runs, which at a hit's rate is much of the time.
	t, buf := newToken(n)
	t.Issuer, t.Subject, t.ID, t.ClientID = str(0), str(1), str(2), str(3)
	t.Confirmation.JKT, t.Confirmation.X5TS256 = str(4), str(5)
	t.ExpiresAt, t.IssuedAt, t.NotBefore = e.times[0], e.times[1], e.times[2]
	t.Raw, t.fromCache = raw, true
	for i := range buf {
		buf[i] = str(packedFields + i)
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
// permissions. The room follows the allocator's size classes (a Token is
// 304 bytes, a string 16), so little of it is wasted.
func newToken(n int) (*Token, []string) {
	switch {
	case n == 0:
		return new(Token), nil
	case n <= 2:
		return withRoom(n, func(a *[2]string) []string { return a[:] })
	case n <= 4:
		return withRoom(n, func(a *[4]string) []string { return a[:] })
	case n <= 6:
		return withRoom(n, func(a *[6]string) []string { return a[:] })
	case n <= 8:
		return withRoom(n, func(a *[8]string) []string { return a[:] })
	case n <= 10:
		return withRoom(n, func(a *[10]string) []string { return a[:] })
	case n <= 12:
		return withRoom(n, func(a *[12]string) []string { return a[:] })
	case n <= 16:
		return withRoom(n, func(a *[16]string) []string { return a[:] })
	case n <= 24:
		return withRoom(n, func(a *[24]string) []string { return a[:] })
	case n <= 32:
		return withRoom(n, func(a *[32]string) []string { return a[:] })
	}
	return new(Token), make([]string, n)
}

// withRoom allocates a Token beside an array A of strings, of which
// strings gives the slice, and returns the first n of them.
func withRoom[A any](n int, strings func(*A) []string) (*Token, []string) {
	p := new(struct {
		t Token
		s A
	})
	return &p.t, strings(&p.s)[:n:n]
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
