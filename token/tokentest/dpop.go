package tokentest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/token"
)

// DPoPKey is a client's DPoP key pair (RFC 9449): the key a DPoP-bound
// access token is bound to, and that signs the proofs sent with it. Make one
// with Issuer.NewDPoPKey.
type DPoPKey struct {
	iss        *Issuer
	alg        string
	signer     crypto.Signer
	jwk        json.RawMessage
	thumbprint string
}

// NewDPoPKey generates a client key pair for alg (ES256 is what most DPoP
// clients use; any algorithm WithAlgorithm accepts works). It reports an
// unknown algorithm with t.Errorf and returns nil.
func (i *Issuer) NewDPoPKey(alg string) *DPoPKey {
	if i.t != nil {
		i.t.Helper()
	}
	k, err := newSigningKey(alg)
	if err == nil {
		var pub *token.Key
		pub, err = token.ParseKey(k.jwk)
		if err == nil {
			var jkt string
			if jkt, err = pub.Thumbprint(); err == nil {
				var jwk json.RawMessage
				if jwk, err = jose.MarshalPublic("", "", k.signer.Public()); err == nil {
					return &DPoPKey{iss: i, alg: alg, signer: k.signer, jwk: jwk, thumbprint: jkt}
				}
			}
		}
	}
	i.errorf("tokentest: NewDPoPKey: %v", err)
	return nil
}

// Algorithm returns the JWS algorithm the key signs proofs with.
func (k *DPoPKey) Algorithm() string {
	if k == nil {
		return ""
	}
	return k.alg
}

// Thumbprint returns the key's JWK SHA-256 thumbprint (RFC 7638), the cnf.jkt
// of the tokens bound to it.
func (k *DPoPKey) Thumbprint() string {
	if k == nil {
		return ""
	}
	return k.thumbprint
}

// Signer returns the private key, for WithSigningKey: a proof of another key
// signed with this one.
func (k *DPoPKey) Signer() crypto.Signer {
	if k == nil {
		return nil
	}
	return k.signer
}

// PublicJWK returns the public key as a JWK, as proofs carry it.
func (k *DPoPKey) PublicJWK() json.RawMessage {
	if k == nil {
		return nil
	}
	return append(json.RawMessage(nil), k.jwk...)
}

// PrivateJWK returns the key with its private members as a JWK, for a
// hostile proof that carries it: WithHeader("jwk", k.PrivateJWK()).
func (k *DPoPKey) PrivateJWK() json.RawMessage {
	if k == nil {
		return nil
	}
	b, err := jose.MarshalPrivate(k.signer)
	if err != nil {
		k.iss.errorf("tokentest: PrivateJWK: %v", err)
		return nil
	}
	return b
}

// Proof mints a DPoP proof (RFC 9449 §4.2) for a request with the given
// method and target URI (its query and fragment are left out of htu), to be
// sent with accessToken: header typ "dpop+jwt", the key's alg and its public
// jwk; claims a random jti, htm method, htu uri, iat the issuer's now and
// ath, the hash of accessToken (left out when accessToken is ""). c
// overrides or removes (Omit) any claim, such as Claims{"nonce": n};
// WithHeader changes the header (typ, alg, jwk) and WithSigningKey signs
// with another key while keeping this one in the header, so a test can mint
// each kind of hostile proof. Failures are reported with t.Errorf and ""
// returned.
func (k *DPoPKey) Proof(method, uri, accessToken string, c Claims, opts ...MintOption) string {
	if k == nil {
		return ""
	}
	i := k.iss
	if i.t != nil {
		i.t.Helper()
	}
	var m mint
	for _, o := range opts {
		if o != nil {
			o(&m)
		}
	}
	if m.signer == nil {
		m.signer = k.signer
	}
	header := map[string]any{"typ": "dpop+jwt", "alg": k.alg, "jwk": k.jwk}
	for _, f := range m.header {
		f(header)
	}
	if j := strings.IndexAny(uri, "?#"); j >= 0 {
		uri = uri[:j]
	}
	claims := map[string]any{
		"jti": randomHex(16),
		"htm": method,
		"htu": uri,
		"iat": i.now().Unix(),
	}
	if accessToken != "" {
		claims["ath"] = AccessTokenHash(accessToken)
	}
	merge(claims, c)
	h, err := marshal(header)
	if err == nil {
		var p []byte
		if p, err = marshal(claims); err == nil {
			var raw string
			if raw, err = compact(k.alg, m.signer, h, p); err == nil {
				return raw
			}
		}
	}
	i.errorf("tokentest: Proof: %v", err)
	return ""
}

// AccessTokenHash returns the ath of a DPoP proof for accessToken (RFC 9449
// §4.2): the base64url SHA-256 of its ASCII.
func AccessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64(sum[:])
}

// DPoPAccessToken mints a JWT access token bound to key, as AccessToken
// does, with the claim cnf {"jkt": key.Thumbprint()} (RFC 9449 §6.1); the
// introspection endpoint answers it with token_type "DPoP" and the same
// cnf. c and opts work as for AccessToken, so c may override cnf.
func (i *Issuer) DPoPAccessToken(key *DPoPKey, c Claims, opts ...MintOption) string {
	if i.t != nil {
		i.t.Helper()
	}
	if key == nil {
		i.errorf("tokentest: DPoPAccessToken: the key is nil")
		return ""
	}
	raw := i.AccessToken(bound(c, "jkt", key.Thumbprint()), opts...)
	if raw != "" {
		i.retype(raw, "DPoP")
	}
	return raw
}

// DPoPOpaqueToken mints an opaque access token bound to key, as OpaqueToken
// does, whose introspection answer carries token_type "DPoP" and cnf
// {"jkt": key.Thumbprint()} (RFC 9449 §6.2). c overrides as for
// OpaqueToken.
func (i *Issuer) DPoPOpaqueToken(key *DPoPKey, c Claims) string {
	if i.t != nil {
		i.t.Helper()
	}
	if key == nil {
		i.errorf("tokentest: DPoPOpaqueToken: the key is nil")
		return ""
	}
	c = bound(c, "jkt", key.Thumbprint())
	if _, ok := c["token_type"]; !ok {
		c["token_type"] = "DPoP"
	}
	return i.OpaqueToken(c)
}

// CertificateBoundToken mints a JWT access token bound to the TLS client
// certificate cert, as AccessToken does, with the claim cnf {"x5t#S256":
// token.CertificateThumbprint(cert)} (RFC 8705 §3.1); the introspection
// endpoint answers it with the same cnf. c and opts work as for AccessToken.
func (i *Issuer) CertificateBoundToken(cert *x509.Certificate, c Claims, opts ...MintOption) string {
	if i.t != nil {
		i.t.Helper()
	}
	if cert == nil {
		i.errorf("tokentest: CertificateBoundToken: the certificate is nil")
		return ""
	}
	return i.AccessToken(bound(c, "x5t#S256", token.CertificateThumbprint(cert)), opts...)
}

// CertificateBoundOpaqueToken mints an opaque access token whose
// introspection answer carries cnf {"x5t#S256": ...} for cert (RFC 8705
// §3.2). c overrides as for OpaqueToken.
func (i *Issuer) CertificateBoundOpaqueToken(cert *x509.Certificate, c Claims) string {
	if i.t != nil {
		i.t.Helper()
	}
	if cert == nil {
		i.errorf("tokentest: CertificateBoundOpaqueToken: the certificate is nil")
		return ""
	}
	return i.OpaqueToken(bound(c, "x5t#S256", token.CertificateThumbprint(cert)))
}

// bound returns a copy of c with cnf {method: value} unless c sets cnf.
func bound(c Claims, method, value string) Claims {
	out := Claims{"cnf": map[string]string{method: value}}
	for k, v := range c {
		out[k] = v
	}
	return out
}

// retype changes the token_type of tok's introspection answer.
func (i *Issuer) retype(tok, tokenType string) {
	body, ok := i.lookupToken(tok)
	if !ok {
		return
	}
	var answer map[string]any
	if err := json.Unmarshal(body, &answer); err != nil {
		i.errorf("tokentest: %v", err)
		return
	}
	answer["token_type"] = tokenType
	if err := i.register(tok, answer); err != nil {
		i.errorf("tokentest: %v", err)
	}
}

// NewClientCertificate returns a self-signed TLS client certificate (ECDSA
// P-256, valid for a day) with the given common name, its Leaf set, for
// mutual-TLS tests: put it in a tls.Config's Certificates, or its Leaf in
// accesstoken.Proof.Certificate, and bind tokens to it with
// CertificateBoundToken.
func NewClientCertificate(commonName string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tokentest: NewClientCertificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tokentest: NewClientCertificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
