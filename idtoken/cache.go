package idtoken

import (
	"context"
	"slices"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/token"
)

// cached is a verified-token cache entry: the Token packed into one string
// (see pack), the key that verified it and the key source of the token's
// issuer that gave it: on every hit the cache asks that source, and only
// that one, whether the key is still published.
//
// The packed form is what keeps an entry small and cheap for the garbage
// collector: one pointer-free allocation the size of the claim values
// (an absent claim costs a bit of the presence mask), where a Token is some 600 bytes of
// string headers and time locations, most of them empty, all of them
// traced on every collection. It holds no claims set: Claims, at_hash and
// c_hash read the claims again from the raw token when a caller asks.
type cached struct {
	packed string
	keys   token.KeySource
	key    *token.Key
}

// Flags of the packed form.
const (
	packedEmailVerified = 1 << iota
	packedPhoneVerified
	packedAddress
	packedAMR // AMR is not nil (it may be empty)
)

// pack returns t, verified with the key named kid, in the packed form:
// kid; the flags; exp, iat, nbf, auth_time and updated_at; the numbers of
// audiences and AMR values; iss, sub, jti, nonce, acr, azp, sid, alg and
// the profile strings, together (tokencache.AppendStrings, so that an
// absent claim costs nothing); the address's strings, likewise, when it has
// one; the audiences; the AMR values. unpack reads it back in that order.
func pack(t *Token, kid string) string {
	// Built on the stack and copied once: one allocation of the exact size.
	var scratch [1024]byte
	b := tokencache.AppendString(scratch[:0], kid)
	var flags uint64
	if t.EmailVerified {
		flags |= packedEmailVerified
	}
	if t.PhoneNumberVerified {
		flags |= packedPhoneVerified
	}
	if t.Address != nil {
		flags |= packedAddress
	}
	if t.AMR != nil {
		flags |= packedAMR
	}
	b = tokencache.AppendUint(b, flags)
	for _, tm := range [...]time.Time{t.ExpiresAt, t.IssuedAt, t.NotBefore, t.AuthTime, t.UpdatedAt} {
		b = tokencache.AppendTime(b, tm)
	}
	b = tokencache.AppendUint(b, uint64(len(t.Audience)))
	b = tokencache.AppendUint(b, uint64(len(t.AMR)))
	strs := t.packedStrings()
	b = tokencache.AppendStrings(b, strs[:])
	if a := t.Address; a != nil {
		addr := a.fields()
		b = tokencache.AppendStrings(b, addr[:])
	}
	for _, s := range t.Audience {
		b = tokencache.AppendString(b, s)
	}
	for _, s := range t.AMR {
		b = tokencache.AppendString(b, s)
	}
	return string(b)
}

// packedStrings are the Token's string fields in the packed order: its
// own, then StandardClaims' (named one by one rather than through
// stringFields, which costs a copy of that array on every hit).
func (t *Token) packedStrings() [23]*string {
	return [...]*string{
		&t.Issuer, &t.Subject, &t.ID, &t.Nonce, &t.ACR, &t.AuthorizedParty, &t.SessionID, &t.alg,
		&t.Name, &t.GivenName, &t.FamilyName, &t.MiddleName, &t.Nickname, &t.PreferredUsername,
		&t.Profile, &t.Picture, &t.Website, &t.Email, &t.Gender, &t.Birthdate, &t.Zoneinfo, &t.Locale,
		&t.PhoneNumber,
	}
}

func (a *Address) fields() [6]*string {
	return [...]*string{&a.Formatted, &a.StreetAddress, &a.Locality, &a.Region, &a.PostalCode, &a.Country}
}

// packedKid returns the kid a packed entry was verified with.
func packedKid(packed string) string {
	f := tokencache.NewFields(packed)
	return f.String()
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
// makes.
func unpack(packed, raw string) (t *Token, ok bool) {
	f := tokencache.NewFields(packed)
	_ = f.String() // kid
	flags := f.Uint()
	var lists []string
	if flags&packedAddress != 0 {
		h := &hitTokenAddress{}
		t, lists = &h.token, h.lists[:]
		t.Address = &h.address
	} else {
		h := &hitToken{}
		t, lists = &h.token, h.lists[:]
	}
	t.Raw, t.fromCache = raw, true
	t.EmailVerified = flags&packedEmailVerified != 0
	t.PhoneNumberVerified = flags&packedPhoneVerified != 0
	t.ExpiresAt, t.IssuedAt, t.NotBefore, t.AuthTime, t.UpdatedAt = f.Time(), f.Time(), f.Time(), f.Time(), f.Time()
	nAud, nAMR := f.Uint(), f.Uint()
	strs := t.packedStrings()
	f.Strings(strs[:])
	if a := t.Address; a != nil {
		addr := a.fields()
		f.Strings(addr[:])
	}
	// Every value takes at least a byte: counts beyond what is left are
	// not from pack, and must not size an allocation.
	if nAud > uint64(len(packed)) || nAMR > uint64(len(packed)) || !f.OK() {
		return nil, false
	}
	if n := nAud + nAMR; n > uint64(len(lists)) {
		lists = make([]string, n)
	}
	if nAud > 0 {
		t.Audience = lists[:nAud:nAud]
		for i := range t.Audience {
			t.Audience[i] = f.String()
		}
	}
	if flags&packedAMR != 0 {
		t.AMR = slices.Clip(lists[nAud : nAud+nAMR])
		for i := range t.AMR {
			t.AMR[i] = f.String()
		}
	}
	if !f.OK() {
		return nil, false
	}
	return t, true
}

// keyLive reports whether the key that verified a cached token is still in
// the key set of the token's own issuer.
func (v *Validator) keyLive(ctx context.Context, e cached) bool {
	set, err := e.keys.Keys(ctx, packedKid(e.packed))
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
	v.cache.Add(t.Raw, cached{packed: pack(t, verified.Header.KeyID), keys: verified.Keys, key: verified.Key}, deadline.Add(v.leeway), now)
}
