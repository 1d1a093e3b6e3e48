package tokentest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/internal/jwssign"
	"github.com/tokenguard/tokenguard/token"
)

// lookupAlg returns how alg signs.
func lookupAlg(alg string) (jwssign.Algorithm, bool) { return jwssign.Lookup(alg) }

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
	switch a.Family {
	case jwssign.RSA, jwssign.PSS:
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	case jwssign.EC:
		signer, err = ecdsa.GenerateKey(a.Curve, rand.Reader)
	case jwssign.Ed25519:
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
