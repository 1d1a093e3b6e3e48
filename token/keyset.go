package token

import (
	"context"
	"fmt"

	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// KeySource gives the verification pipeline the keys of an issuer. Package
// jwks provides a static source and a cached remote one; any number of
// validators may share one source.
type KeySource interface {
	// Keys returns the key set to verify a token whose header names kid (""
	// when it names none). It must not wait on the network while it holds
	// keys, except that a remote source may refetch once, rate-limited, when
	// kid is not in its current set. The error, if any, should match
	// ErrUnavailable (no keys could be had) or ErrKeyNotFound.
	Keys(ctx context.Context, kid string) (*KeySet, error)
}

// KeySourceFunc adapts an ordinary function to a KeySource, as
// http.HandlerFunc does for handlers.
type KeySourceFunc func(ctx context.Context, kid string) (*KeySet, error)

// Keys calls f(ctx, kid).
func (f KeySourceFunc) Keys(ctx context.Context, kid string) (*KeySet, error) { return f(ctx, kid) }

// KeySet is an immutable set of verification keys, safe to share between
// goroutines. Build one with NewKeySet or ParseKeySet.
type KeySet struct {
	keys    []*Key
	byID    map[string][]*Key
	skipped []SkippedKey
}

// SkippedKey records a key of a JWKS document that ParseKeySet left out, and
// why (an encryption key, an unsupported key type, an RSA key that is too
// small, ...).
type SkippedKey struct {
	Index  int    // position in the "keys" array
	KeyID  string // its kid, if it could be read
	Reason string
}

// NewKeySet makes a set of the given keys. Keys may share a kid only when
// they are of different types (RFC 7517 §4.5).
//
// Unlike ParseKeySet, NewKeySet keeps every key it is given, symmetric keys
// included, even one whose use, key_ops or alg means it can never verify a
// signature: the caller chose each key, so a token naming such a key is
// refused with ErrKeyMismatch saying why, rather than with ErrKeyNotFound as
// if the key were not there.
func NewKeySet(keys ...*Key) (*KeySet, error) {
	s := &KeySet{byID: make(map[string][]*Key, len(keys))}
	for _, k := range keys {
		if k == nil {
			return nil, fmt.Errorf("token: nil key in key set")
		}
		if err := s.add(k); err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
	}
	return s, nil
}

// add adds k to the set, unless a key of the same type already has its kid.
func (s *KeySet) add(k *Key) error {
	for _, other := range s.byID[k.id] {
		if other.kind == k.kind && other.curve == k.curve {
			return fmt.Errorf("another key of the same type has kid %q", k.id)
		}
	}
	s.keys = append(s.keys, k)
	s.byID[k.id] = append(s.byID[k.id], k)
	return nil
}

// MaxKeySetKeys bounds how many keys ParseKeySet reads from one document.
const MaxKeySetKeys = 100

// ParseKeySet reads a JWKS document ({"keys": [...]}, RFC 7517 §5). Keys that
// cannot verify signatures here (use "enc", key_ops without "verify", an alg
// that is not a supported signature algorithm for the key, unknown kty or
// curve, RSA outside the size bounds, symmetric keys, duplicates) are skipped and listed by
// Skipped rather than failing the whole set, because real issuers publish
// such keys beside their signing keys. A document that is not strict JSON or
// has no "keys" array is an error matching ErrMalformed.
func ParseKeySet(doc []byte) (*KeySet, error) {
	members, err := strictjson.ParseObject(doc, 8, nil)
	if err != nil {
		return nil, &ValidationError{Kind: ErrMalformed, Claim: "keys", Reason: "JWKS document is not strict JSON", Err: err}
	}
	var raw strictjson.Checked[[]byte]
	for _, m := range members {
		if string(m.Name) == "keys" {
			raw = m.Checked()
		}
	}
	elems, ok := strictjson.Elements(raw, nil)
	if !ok {
		return nil, Errorf(ErrMalformed, "keys", "JWKS document has no \"keys\" array")
	}
	if len(elems) > MaxKeySetKeys {
		return nil, Errorf(ErrTooLarge, "keys", "JWKS document has %d keys; at most %d are read", len(elems), MaxKeySetKeys)
	}
	s := &KeySet{byID: make(map[string][]*Key, len(elems))}
	for i, e := range elems {
		kid := ""
		if ms, err := strictjson.ParseObject(e.Text(), 4, nil); err == nil {
			for _, m := range ms {
				if string(m.Name) == "kid" {
					kid, _ = strictjson.String(m.Value)
				}
			}
		}
		k, err := ParseKey(e.Text())
		switch {
		case err != nil:
		case k.Symmetric():
			err = fmt.Errorf("symmetric keys are not taken from a key set document")
		default:
			if err = k.usable(); err == nil {
				err = s.add(k)
			}
		}
		if err != nil {
			s.skipped = append(s.skipped, SkippedKey{Index: i, KeyID: kid, Reason: err.Error()})
		}
	}
	return s, nil
}

// Len returns the number of usable keys.
func (s *KeySet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// Keys returns the usable keys in document order.
func (s *KeySet) Keys() []*Key {
	if s == nil {
		return nil
	}
	return append([]*Key(nil), s.keys...)
}

// Lookup returns the keys with the given kid: usually one, possibly several
// of different types, none when the kid is unknown.
func (s *KeySet) Lookup(kid string) []*Key {
	if s == nil {
		return nil
	}
	return s.byID[kid]
}

// Contains reports whether k itself (not merely an equal key) is in the set.
// A verified-token cache uses it to drop tokens whose key has rotated out.
func (s *KeySet) Contains(k *Key) bool {
	if k == nil {
		return false
	}
	for _, c := range s.Lookup(k.id) {
		if c == k {
			return true
		}
	}
	return false
}

// Skipped lists the keys ParseKeySet left out and why.
func (s *KeySet) Skipped() []SkippedKey {
	if s == nil {
		return nil
	}
	return append([]SkippedKey(nil), s.skipped...)
}
