package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// Size bounds on keys. RSA keys under MinRSABits are refused (RFC 7518 §3.3);
// keys over MaxRSABits are refused so a key set cannot make every
// verification expensive.
const (
	MinRSABits = 2048
	MaxRSABits = 8192
)

// Key is one verification key: an asymmetric public key, or an HMAC secret
// that the caller configured on purpose. Keys are immutable and safe to share.
// Build one with NewPublicKey, NewSymmetricKey or ParseKey.
type Key struct {
	id     string
	alg    string
	use    string
	ops    []string
	kind   keyKind // kindRSA for any RSA key
	curve  elliptic.Curve
	public crypto.PublicKey
	secret []byte
	thumb  string        // RFC 7638 thumbprint, when computed ahead (proof keys)
	ed     *ed25519Point // Ed25519: the point, decoded once; nil if pub is none, or not prepared (prepared_std.go)
	rsa    *rsaPublic    // RSA: the modulus, prepared once; nil if not prepared (prepared_std.go)
}

// KeyParams are the JWK members that restrict how a key may be used.
// Empty fields restrict nothing.
type KeyParams struct {
	// ID is the key's kid, matched against the token header's kid.
	ID string
	// Algorithm, when set, is the only JWS alg this key verifies.
	Algorithm string
	// Use, when set, must be "sig" for the key to verify tokens.
	Use string
	// Operations, when set, must include "verify".
	Operations []string
}

// NewPublicKey wraps an *rsa.PublicKey, *ecdsa.PublicKey (P-256, P-384 or
// P-521) or ed25519.PublicKey. RSA keys must have between MinRSABits and
// MaxRSABits bits; EC points must lie on their curve.
func NewPublicKey(p KeyParams, pub crypto.PublicKey) (*Key, error) {
	k := &Key{id: p.ID, alg: p.Algorithm, use: p.Use, ops: append([]string(nil), p.Operations...)}
	switch pk := pub.(type) {
	case *rsa.PublicKey:
		if pk == nil || pk.N == nil {
			return nil, errors.New("token: nil RSA key")
		}
		if bits := pk.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return nil, fmt.Errorf("token: RSA key of %d bits; want %d to %d", bits, MinRSABits, MaxRSABits)
		}
		if pk.E < 3 || pk.E%2 == 0 {
			return nil, fmt.Errorf("token: RSA public exponent %d is not a valid exponent", pk.E)
		}
		k.kind = kindRSA
		if preparedRSA() {
			k.rsa = newRSAPublic(pk)
		}
	case *ecdsa.PublicKey:
		// ECDH panics on nil coordinates, and reading them is the only way
		// to tell a caller's half-built key from a whole one.
		//lint:ignore SA1019 only compared with nil, never used as numbers
		if pk == nil || pk.Curve == nil || pk.X == nil || pk.Y == nil {
			return nil, errors.New("token: nil EC key")
		}
		switch pk.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, fmt.Errorf("token: EC curve %s is not supported", pk.Curve.Params().Name)
		}
		if _, err := pk.ECDH(); err != nil {
			return nil, fmt.Errorf("token: EC key is not a valid point: %w", err)
		}
		k.kind = kindEC
		k.curve = pk.Curve
	case ed25519.PublicKey:
		if len(pk) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("token: Ed25519 key of %d bytes; want %d", len(pk), ed25519.PublicKeySize)
		}
		k.kind = kindEd25519
		if preparedEd25519() {
			k.ed = newEd25519Point(pk)
		}
	case *rsa.PrivateKey:
		return NewPublicKey(p, &pk.PublicKey)
	case *ecdsa.PrivateKey:
		return NewPublicKey(p, &pk.PublicKey)
	case ed25519.PrivateKey:
		return NewPublicKey(p, pk.Public())
	default:
		return nil, fmt.Errorf("token: key type %T is not supported", pub)
	}
	k.public = pub
	return k, nil
}

// NewSymmetricKey wraps an HMAC secret. Algorithm must be HS256, HS384 or
// HS512 and the secret at least as long as that hash's output (RFC 7518
// §3.2). A symmetric key is only ever used when the validator's allow-list
// names its algorithm explicitly.
func NewSymmetricKey(p KeyParams, secret []byte) (*Key, error) {
	a, ok := lookupAlgorithm(p.Algorithm)
	if !ok || a.kind != kindHMAC {
		return nil, fmt.Errorf("token: a symmetric key needs Algorithm HS256, HS384 or HS512, not %q", p.Algorithm)
	}
	if len(secret) < a.hash.Size() {
		return nil, fmt.Errorf("token: %s secret of %d bytes; want at least %d", p.Algorithm, len(secret), a.hash.Size())
	}
	return &Key{
		id: p.ID, alg: p.Algorithm, use: p.Use, ops: append([]string(nil), p.Operations...),
		kind: kindHMAC, secret: append([]byte(nil), secret...),
	}, nil
}

// ParseKey reads one JSON Web Key (RFC 7517). Private members, if present,
// are dropped; only the public half is kept. A key with "kty":"oct" becomes a
// symmetric key and needs an "alg" of HS256, HS384 or HS512.
func ParseKey(data []byte) (*Key, error) {
	if _, err := strictjson.ParseObject(data, 4, nil); err != nil {
		return nil, fmt.Errorf("token: JWK is not strict JSON: %w", err)
	}
	j, err := jose.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("token: cannot read JWK: %w", err)
	}
	p := KeyParams{ID: j.KeyID, Algorithm: j.Algorithm, Use: j.Use, Operations: j.Ops}
	if j.Secret != nil {
		return NewSymmetricKey(p, j.Secret)
	}
	return NewPublicKey(p, j.Public)
}

// ID returns the key's kid ("" for a nil Key).
func (k *Key) ID() string {
	if k == nil {
		return ""
	}
	return k.id
}

// Algorithm returns the JWK's own alg, or "" when the key does not restrict
// it (or is nil).
func (k *Key) Algorithm() string {
	if k == nil {
		return ""
	}
	return k.alg
}

// Public returns the public key (*rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey), or nil for a symmetric or nil key.
func (k *Key) Public() crypto.PublicKey {
	if k == nil {
		return nil
	}
	return k.public
}

// Symmetric reports whether the key is an HMAC secret.
func (k *Key) Symmetric() bool { return k != nil && k.kind == kindHMAC }

// fitsAlg reports whether the key may verify a token signed with alg.
func (k *Key) fitsAlg(a algorithm) bool { return k.fits(a) == "" }

// fits returns "" when the key may verify a token signed with alg, and
// otherwise a sentence saying why not. It allocates only for that sentence.
func (k *Key) fits(a algorithm) string {
	if k.alg != "" && k.alg != a.name {
		return fmt.Sprintf("key %q is for %s, the token says %s", excerpt.Of(k.id), excerpt.Of(k.alg), a.name)
	}
	if why := k.purposeFault(); why != "" {
		return fmt.Sprintf("key %q: %s", excerpt.Of(k.id), why)
	}
	switch a.kind {
	case kindRSA, kindRSAPSS:
		if k.kind != kindRSA {
			return fmt.Sprintf("%s needs an RSA key; key %q is %s", a.name, excerpt.Of(k.id), k.kindName())
		}
	case kindEC:
		if k.kind != kindEC || k.curve != a.curve {
			return fmt.Sprintf("%s needs an EC key on %s; key %q is %s", a.name, a.curve.Params().Name, excerpt.Of(k.id), k.kindName())
		}
	case kindEd25519:
		if k.kind != kindEd25519 {
			return fmt.Sprintf("%s needs an Ed25519 key; key %q is %s", a.name, excerpt.Of(k.id), k.kindName())
		}
	case kindHMAC:
		if k.kind != kindHMAC {
			return fmt.Sprintf("%s needs a symmetric key; key %q is %s", a.name, excerpt.Of(k.id), k.kindName())
		}
	}
	return ""
}

// purposeFault says why the key's own use or key_ops forbid verifying
// signatures with it, or returns "" when they allow it. It allocates only for
// the sentence.
func (k *Key) purposeFault() string {
	if k.use != "" && k.use != "sig" {
		return fmt.Sprintf("use is %q, not \"sig\"", excerpt.Of(k.use))
	}
	if len(k.ops) > 0 && !slices.Contains(k.ops, "verify") {
		return fmt.Sprintf("key_ops %q does not include \"verify\"", excerpt.Of(strings.Join(k.ops, " ")))
	}
	return ""
}

// usable returns why the key can never verify a signature with this
// library, or nil: its use or key_ops forbid it, or its own alg is not a
// supported signature algorithm that fits it. ParseKeySet skips such keys;
// the pipeline refuses a token that names one with ErrKeyMismatch, through
// fits, which applies the same rules to the token's alg.
func (k *Key) usable() error {
	if why := k.purposeFault(); why != "" {
		return errors.New(why)
	}
	if k.alg != "" {
		// An alg this library does not verify with ("RSA-OAEP", "ES256K"),
		// or one the key cannot serve, makes a key that never fits.
		if a, ok := lookupAlgorithm(k.alg); !ok || k.fits(a) != "" {
			return fmt.Errorf("alg %q is not a signature algorithm supported for this key", excerpt.Of(k.alg))
		}
	}
	return nil
}

func (k *Key) kindName() string {
	switch k.kind {
	case kindRSA:
		return "an RSA key"
	case kindEC:
		return "an EC key on " + k.curve.Params().Name
	case kindEd25519:
		return "an Ed25519 key"
	case kindHMAC:
		return "a symmetric key"
	}
	return "an unknown key"
}

// Equal reports whether two keys are the same key with the same parameters.
// A key set refresh uses it to keep the existing *Key for an unchanged key, so
// that anything keyed on a key's identity survives the refresh.
func (k *Key) Equal(o *Key) bool {
	if k == o {
		return true
	}
	if k == nil || o == nil || k.id != o.id || k.alg != o.alg || k.use != o.use || k.kind != o.kind || len(k.ops) != len(o.ops) {
		return false
	}
	for i := range k.ops {
		if k.ops[i] != o.ops[i] {
			return false
		}
	}
	switch pk := k.public.(type) {
	case *rsa.PublicKey:
		return pk.Equal(o.public)
	case *ecdsa.PublicKey:
		return pk.Equal(o.public)
	case ed25519.PublicKey:
		return pk.Equal(o.public)
	}
	return k.kind == kindHMAC && string(k.secret) == string(o.secret)
}
