package tokentest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/token"
)

// family is the kind of key an algorithm signs with.
type family uint8

const (
	famRSA family = iota + 1
	famPSS
	famEC
	famEd25519
)

// algInfo describes how the issuer signs with one JWS algorithm.
type algInfo struct {
	family family
	hash   crypto.Hash    // zero for EdDSA
	curve  elliptic.Curve // for ECDSA
}

func lookupAlg(alg string) (algInfo, bool) {
	switch alg {
	case token.RS256:
		return algInfo{famRSA, crypto.SHA256, nil}, true
	case token.RS384:
		return algInfo{famRSA, crypto.SHA384, nil}, true
	case token.RS512:
		return algInfo{famRSA, crypto.SHA512, nil}, true
	case token.PS256:
		return algInfo{famPSS, crypto.SHA256, nil}, true
	case token.PS384:
		return algInfo{famPSS, crypto.SHA384, nil}, true
	case token.PS512:
		return algInfo{famPSS, crypto.SHA512, nil}, true
	case token.ES256:
		return algInfo{famEC, crypto.SHA256, elliptic.P256()}, true
	case token.ES384:
		return algInfo{famEC, crypto.SHA384, elliptic.P384()}, true
	case token.ES512:
		return algInfo{famEC, crypto.SHA512, elliptic.P521()}, true
	case token.EdDSA:
		return algInfo{famEd25519, 0, nil}, true
	}
	return algInfo{}, false
}

// signingKey is one of the issuer's key pairs.
type signingKey struct {
	kid    string
	alg    string
	signer crypto.Signer
	public *token.Key
	jwk    []byte
}

// newSigningKey generates a key pair for alg, with its RFC 7638 thumbprint
// as kid.
func newSigningKey(alg string) (*signingKey, error) {
	a, ok := lookupAlg(alg)
	if !ok {
		return nil, fmt.Errorf("algorithm %q is not supported", alg)
	}
	var signer crypto.Signer
	var err error
	switch a.family {
	case famRSA, famPSS:
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	case famEC:
		signer, err = ecdsa.GenerateKey(a.curve, rand.Reader)
	case famEd25519:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return nil, fmt.Errorf("generating a %s key: %w", alg, err)
	}
	pub := signer.Public()
	kid, err := jose.Thumbprint(pub)
	if err != nil {
		return nil, fmt.Errorf("thumbprint of the %s key: %w", alg, err)
	}
	pk, err := token.NewPublicKey(token.KeyParams{ID: kid, Algorithm: alg, Use: "sig"}, pub)
	if err != nil {
		return nil, err
	}
	jwk, err := jose.MarshalPublic(kid, alg, pub)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s key as a JWK: %w", alg, err)
	}
	return &signingKey{kid: kid, alg: alg, signer: signer, public: pk, jwk: jwk}, nil
}

// publish makes keys the published set; the last one signs. The caller holds
// i.mu (or is NewIssuer, before the issuer is shared).
func (i *Issuer) publish(keys []*signingKey) error {
	pub := make([]*token.Key, len(keys))
	var doc bytes.Buffer
	doc.WriteString(`{"keys":[`)
	for n, k := range keys {
		pub[n] = k.public
		if n > 0 {
			doc.WriteByte(',')
		}
		doc.Write(k.jwk)
	}
	doc.WriteString("]}")
	set, err := token.NewKeySet(pub...)
	if err != nil {
		return err
	}
	i.keys, i.keySet, i.jwksDoc = keys, set, doc.Bytes()
	return nil
}

// current returns the signing key.
func (i *Issuer) current() *signingKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keys[len(i.keys)-1]
}

// KeyID returns the kid of the current signing key.
func (i *Issuer) KeyID() string { return i.current().kid }

// KeySet returns the public keys the issuer publishes right now: the current
// signing key and, unless DropOldKeys was called since, the keys it replaced.
func (i *Issuer) KeySet() *token.KeySet {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keySet
}

// KeySource returns an in-memory token.KeySource that always answers the
// issuer's current KeySet, following RotateKey and DropOldKeys, without
// HTTP and unaffected by FailJWKS and SlowJWKS. Use it to test validators
// without the network; use JWKSURL with package jwks to test the fetching.
func (i *Issuer) KeySource() token.KeySource { return keySource{i} }

type keySource struct{ i *Issuer }

// Keys returns the issuer's current key set.
func (s keySource) Keys(ctx context.Context, kid string) (*token.KeySet, error) {
	return s.i.KeySet(), nil
}

// RotateKey generates a new signing key of the issuer's algorithm, publishes
// it beside the old ones and returns its kid. Tokens minted from now on are
// signed with it.
func (i *Issuer) RotateKey() string {
	if i.t != nil {
		i.t.Helper()
	}
	k, err := newSigningKey(i.cfg.alg)
	if err != nil {
		i.errorf("tokentest: RotateKey: %v", err)
		return ""
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	keys := append(append([]*signingKey(nil), i.keys...), k)
	if err := i.publish(keys); err != nil {
		i.errorf("tokentest: RotateKey: %v", err)
		return ""
	}
	return k.kid
}

// DropOldKeys stops publishing every key but the current signing key, so
// tokens signed before the last RotateKey no longer verify.
func (i *Issuer) DropOldKeys() {
	if i.t != nil {
		i.t.Helper()
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if err := i.publish([]*signingKey{i.keys[len(i.keys)-1]}); err != nil {
		i.errorf("tokentest: DropOldKeys: %v", err)
	}
}
