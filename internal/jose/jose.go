// Package jose is the one place tokenguard imports the JOSE library
// (github.com/lestrrat-go/jwx/v2). Everything else in the module works with
// the standard library's key types, so moving to another JOSE library or a
// newer major version touches only this folder.
//
// jwx is used for what it does well, reading and writing JSON Web Keys.
// Tokens themselves are split, decoded and verified by package token.
package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// JWK is a parsed JSON Web Key reduced to what a verifier needs.
type JWK struct {
	KeyID     string
	Algorithm string   // the JWK's own "alg", or ""
	Use       string   // "use", or ""
	Ops       []string // "key_ops", or nil
	KeyType   string   // "kty"
	// Public is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey for
	// asymmetric keys; Secret holds an "oct" key. A private JWK is reduced to
	// its public half.
	Public crypto.PublicKey
	Secret []byte
}

// ParseKey reads one JWK. The caller has already checked the JSON strictly.
func ParseKey(data []byte) (*JWK, error) {
	k, err := jwk.ParseKey(data)
	if err != nil {
		return nil, err
	}
	out := &JWK{
		KeyID:   k.KeyID(),
		Use:     k.KeyUsage(),
		KeyType: k.KeyType().String(),
	}
	if alg := k.Algorithm(); alg != nil {
		out.Algorithm = alg.String()
	}
	for _, op := range k.KeyOps() {
		out.Ops = append(out.Ops, string(op))
	}
	if k.KeyType() == jwa.OctetSeq {
		var secret []byte
		if err := k.Raw(&secret); err != nil {
			return nil, err
		}
		out.Secret = secret
		return out, nil
	}
	pub, err := jwk.PublicRawKeyOf(k)
	if err != nil {
		return nil, err
	}
	switch p := pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		out.Public = p
	default:
		return nil, fmt.Errorf("key type %T is not supported", pub)
	}
	return out, nil
}

// MarshalPublic renders a public key (or the public half of a private key) as
// a JWK with the given kid and alg and "use": "sig".
func MarshalPublic(kid, alg string, key crypto.PublicKey) (json.RawMessage, error) {
	if key == nil {
		return nil, errors.New("no key")
	}
	k, err := jwk.FromRaw(key)
	if err != nil {
		return nil, err
	}
	pk, err := jwk.PublicKeyOf(k)
	if err != nil {
		return nil, err
	}
	if kid != "" {
		if err := pk.Set(jwk.KeyIDKey, kid); err != nil {
			return nil, err
		}
	}
	if alg != "" {
		if err := pk.Set(jwk.AlgorithmKey, jwa.KeyAlgorithmFrom(alg)); err != nil {
			return nil, err
		}
	}
	if err := pk.Set(jwk.KeyUsageKey, jwk.ForSignature); err != nil {
		return nil, err
	}
	return json.Marshal(pk)
}

// MarshalPrivate renders a private key as a JWK with its private members,
// for tests that must see such a key refused where only public ones belong.
func MarshalPrivate(key crypto.PrivateKey) (json.RawMessage, error) {
	if key == nil {
		return nil, errors.New("no key")
	}
	k, err := jwk.FromRaw(key)
	if err != nil {
		return nil, err
	}
	return json.Marshal(k)
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url-encoded, the usual choice of kid.
func Thumbprint(key crypto.PublicKey) (string, error) {
	k, err := jwk.FromRaw(key)
	if err != nil {
		return "", err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return b64(tp), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
