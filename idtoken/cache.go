package idtoken

import (
	"context"
	"encoding/binary"
	"math"
	"math/bits"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// cached is a verified-token cache entry: the Token packed into one string
// (see pack), the key that verified it and the key source of the token's
// issuer that gave it: on every hit the cache asks that source, and only
// that one, whether the key is still published, by the token's kid when it
// named one (the key's own ID, which the pipeline matched it by).
//
// The packed form is what keeps an entry small and cheap for the garbage
// collector: one pointer-free allocation the size of the claim values
// (an absent claim costs a bit of the mask), where a Token is some 600 bytes of
// string headers and time locations, most of them empty, all of them
// traced on every collection. It holds no claims set: Claims, at_hash and
// c_hash read the claims again from the raw token when a caller asks.
type cached struct {
	packed string
	keys   token.KeySource
	key    *token.Key
	kid    bool // the token named its key by kid (key.ID())
}

// The packed form is a mask, eight bytes little-endian, and what its bits
// say is there, in this order: each time the mask marks present, as eight
// bytes of seconds since the epoch (two's complement, little-endian) and,
// when the mask says it has them, four bytes of nanoseconds; the numbers
// of audiences and of AMR values; each string the mask marks present; the
// audiences; the AMR values. A number is a uvarint (encoding/binary), a
// string its length as a uvarint and its bytes. Everything a hit reads is
// either at a fixed place or follows a one-byte length (any value under
// 128 bytes): unpack finds a field by the number of its bit, through a
// switch the compiler makes a jump table, and absent claims and zero times
// cost it nothing.
const (
	packedStrings        = 23 // Issuer through PhoneNumber (see unpack)
	packedAddressStrings = 6  // Formatted through Country (see unpack)
	packedTimes          = 5  // exp, iat, nbf, auth_time, updated_at (see setTime)

	// Bits 0 to 22 of the mask: Token's own strings and StandardClaims'
	// are not empty; bits 23 to 28: the Address's.
	maskStrings = 1<<(packedStrings+packedAddressStrings) - 1
	// Bits 29 to 32: the flags below. Bits 33 to 37: the times are not
	// zero; bits 38 to 42: they have nanoseconds. No other bit is set.
	shiftFlags = packedStrings + packedAddressStrings
	shiftTimes = shiftFlags + 4
	shiftNanos = shiftTimes + packedTimes
	maskKnown  = 1<<(shiftNanos+packedTimes) - 1
)

// Flags of the packed form's mask.
const (
	maskEmailVerified = 1 << (shiftFlags + iota)
	maskPhoneVerified
	maskAddress
	maskAMR // AMR is not nil (it may be empty)
)

// pack returns t in the packed form.
func pack(t *Token) string {
	// Built on the stack and copied once: one allocation of the exact size.
	var scratch [1024]byte
	strs := [packedStrings + packedAddressStrings]string{
		t.Issuer, t.Subject, t.ID, t.Nonce, t.ACR, t.AuthorizedParty, t.SessionID, t.alg,
		t.Name, t.GivenName, t.FamilyName, t.MiddleName, t.Nickname, t.PreferredUsername,
		t.Profile, t.Picture, t.Website, t.Email, t.Gender, t.Birthdate, t.Zoneinfo, t.Locale,
		t.PhoneNumber,
	}
	var mask uint64
	if a := t.Address; a != nil {
		mask |= maskAddress
		strs[23], strs[24], strs[25], strs[26], strs[27], strs[28] = a.Formatted, a.StreetAddress, a.Locality, a.Region, a.PostalCode, a.Country
	}
	for i, s := range strs {
		if s != "" {
			mask |= 1 << i
		}
	}
	if t.EmailVerified {
		mask |= maskEmailVerified
	}
	if t.PhoneNumberVerified {
		mask |= maskPhoneVerified
	}
	if t.AMR != nil {
		mask |= maskAMR
	}
	times := [packedTimes]time.Time{t.ExpiresAt, t.IssuedAt, t.NotBefore, t.AuthTime, t.UpdatedAt}
	for i, tm := range times {
		if !tm.IsZero() {
			mask |= 1 << (shiftTimes + i)
			if tm.Nanosecond() != 0 {
				mask |= 1 << (shiftNanos + i)
			}
		}
	}
	b := binary.LittleEndian.AppendUint64(scratch[:0], mask)
	for _, tm := range times {
		if !tm.IsZero() {
			b = binary.LittleEndian.AppendUint64(b, uint64(tm.Unix()))
			if ns := tm.Nanosecond(); ns != 0 {
				b = binary.LittleEndian.AppendUint32(b, uint32(ns))
			}
		}
	}
	b = binary.AppendUvarint(b, uint64(len(t.Audience)))
	b = binary.AppendUvarint(b, uint64(len(t.AMR)))
	for _, s := range strs {
		if s != "" {
			b = appendString(b, s)
		}
	}
	for _, s := range t.Audience {
		b = appendString(b, s)
	}
	for _, s := range t.AMR {
		b = appendString(b, s)
	}
	return string(b)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// A cache hit's Token is one allocation, with its Address when it has one,
// and room for a typical token's audiences and AMR values.
type (
	hitToken struct {
		token Token
		lists [2]string
	}
	hitTokenAddress struct {
		token   Token
		address Address
		lists   [2]string
	}
)

// unpack returns a new Token, the caller's own, from a packed entry, with
// raw (the token the caller presented) as its Raw. Its strings share the
// packed string, which never changes; its Audience, AMR and Address are its
// own. ok is false for a packed string unpack cannot read, which pack never
// makes: unpack never reads past the entry, and no number in it sizes an
// allocation beyond the entry's own size.
func unpack(packed, raw string) (t *Token, ok bool) {
	if len(packed) < 8 {
		return nil, false
	}
	mask := le64(packed)
	if mask&^maskKnown != 0 || (mask&maskAddress == 0 && mask&maskStrings>>packedStrings != 0) {
		return nil, false
	}
	r := packed[8:]
	var lists []string
	if mask&maskAddress != 0 {
		h := &hitTokenAddress{}
		t, lists = &h.token, h.lists[:]
		t.Address = &h.address
	} else {
		h := &hitToken{}
		t, lists = &h.token, h.lists[:]
	}
	t.Raw, t.fromCache = raw, true
	t.EmailVerified = mask&maskEmailVerified != 0
	t.PhoneNumberVerified = mask&maskPhoneVerified != 0
	for m := mask >> shiftTimes & (1<<packedTimes - 1); m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if len(r) < 8 {
			return nil, false
		}
		sec, ns := int64(le64(r)), uint32(0)
		r = r[8:]
		if mask>>(shiftNanos+i)&1 != 0 {
			if len(r) < 4 {
				return nil, false
			}
			if ns = le32(r); ns == 0 || ns >= 1e9 {
				return nil, false
			}
			r = r[4:]
		}
		setTime(t, i, time.Unix(sec, int64(ns)).UTC())
	}
	// The counts, then the strings: each a one-byte length or number, as
	// almost all are, read here, or a longer uvarint, read by a call.
	var nAud, nAMR int
	if len(r) > 1 && r[0] < 0x80 && r[1] < 0x80 {
		nAud, nAMR, r = int(r[0]), int(r[1]), r[2:]
	} else {
		var okAud, okAMR bool
		nAud, r, okAud = readUvarint(r)
		nAMR, r, okAMR = readUvarint(r)
		if !okAud || !okAMR {
			return nil, false
		}
	}
	// Every value takes at least a byte: counts beyond what is left are
	// not from pack, and must not size an allocation.
	if nAud > len(r) || nAMR > len(r)-nAud || (nAMR > 0 && mask&maskAMR == 0) {
		return nil, false
	}
	for m := mask & maskStrings; m != 0; m &= m - 1 {
		var s string
		if len(r) > 0 && r[0] < 0x80 && int(r[0]) < len(r) {
			n := int(r[0]) + 1
			s, r = r[1:n], r[n:]
		} else if s, r, ok = readString(r); !ok {
			return nil, false
		}
		switch bits.TrailingZeros64(m) {
		case 0:
			t.Issuer = s
		case 1:
			t.Subject = s
		case 2:
			t.ID = s
		case 3:
			t.Nonce = s
		case 4:
			t.ACR = s
		case 5:
			t.AuthorizedParty = s
		case 6:
			t.SessionID = s
		case 7:
			t.alg = s
		case 8:
			t.Name = s
		case 9:
			t.GivenName = s
		case 10:
			t.FamilyName = s
		case 11:
			t.MiddleName = s
		case 12:
			t.Nickname = s
		case 13:
			t.PreferredUsername = s
		case 14:
			t.Profile = s
		case 15:
			t.Picture = s
		case 16:
			t.Website = s
		case 17:
			t.Email = s
		case 18:
			t.Gender = s
		case 19:
			t.Birthdate = s
		case 20:
			t.Zoneinfo = s
		case 21:
			t.Locale = s
		case 22:
			t.PhoneNumber = s
		case 23:
			t.Address.Formatted = s
		case 24:
			t.Address.StreetAddress = s
		case 25:
			t.Address.Locality = s
		case 26:
			t.Address.Region = s
		case 27:
			t.Address.PostalCode = s
		case 28:
			t.Address.Country = s
		}
	}
	if n := nAud + nAMR; n > len(lists) {
		lists = make([]string, n)
	}
	// The audiences, then the AMR values, each list's capacity ending at
	// its length, so appending to one cannot overwrite the other. An empty
	// list is nil, as the claims leave it, but for an empty amr claim.
	lists = lists[:nAud+nAMR]
	for i := range lists {
		if lists[i], r, ok = readString(r); !ok {
			return nil, false
		}
	}
	if nAud > 0 {
		t.Audience = lists[:nAud:nAud]
	}
	if mask&maskAMR != 0 {
		t.AMR = lists[nAud:len(lists):len(lists)]
	}
	if r != "" {
		return nil, false
	}
	return t, true
}

// setTime sets t's time number i of the packed form.
func setTime(t *Token, i int, v time.Time) {
	switch i {
	case 0:
		t.ExpiresAt = v
	case 1:
		t.IssuedAt = v
	case 2:
		t.NotBefore = v
	case 3:
		t.AuthTime = v
	case 4:
		t.UpdatedAt = v
	}
}

// le64 and le32 read a little-endian number at the start of s, which must
// be long enough; each compiles to one load.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// readString reads a string appendString wrote at the start of r, of any
// length, and returns what follows it.
func readString(r string) (s, rest string, ok bool) {
	n, r, ok := readUvarint(r)
	if !ok || n > len(r) {
		return "", "", false
	}
	return r[:n], r[n:], true
}

// readUvarint reads a uvarint at the start of r, of at most nine bytes (63
// bits): a longer one, or one that does not fit an int (on a 32-bit
// platform), is not from pack.
func readUvarint(r string) (n int, rest string, ok bool) {
	var u uint64
	for i := 0; i < len(r) && i < 9; i++ {
		u |= uint64(r[i]&0x7f) << (7 * i)
		if r[i] < 0x80 {
			if u > math.MaxInt {
				return 0, "", false
			}
			return int(u), r[i+1:], true
		}
	}
	return 0, "", false
}

// keyLive reports whether the key that verified a cached token is still in
// the key set of the token's own issuer.
func (v *Validator) keyLive(ctx context.Context, e cached) bool {
	kid := ""
	if e.kid {
		kid = e.key.ID()
	}
	set, err := e.keys.Keys(ctx, kid)
	return err == nil && set.Contains(e.key)
}

// lookup consults the verified-token cache and returns a hit as a new
// Token for the caller.
func (v *Validator) lookup(ctx context.Context, raw string, now time.Time) (*Token, bool) {
	// An oversized token is not even hashed: Verify refuses it before
	// reading it.
	if len(raw) > v.maxSize {
		return nil, false
	}
	e, ok := v.cache.Lookup(ctx, raw, now)
	if !ok {
		return nil, false
	}
	return unpack(e.packed, raw)
}

// remember adds t, just verified as verified says, to the cache. The entry
// dies at exp, or when MaxAge makes the token too old, whichever comes
// first, plus the leeway either allows.
func (v *Validator) remember(t *Token, verified *token.Verified, now time.Time) {
	deadline := t.ExpiresAt
	if v.maxAge > 0 {
		if limit := t.IssuedAt.Add(v.maxAge); limit.Before(deadline) {
			deadline = limit
		}
	}
	e := cached{packed: pack(t), keys: verified.Keys, key: verified.Key, kid: verified.Header.KeyID != ""}
	v.cache.Add(t.Raw, e, deadline.Add(v.leeway), now)
}
