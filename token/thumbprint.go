package token

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"

	"github.com/tokenguard/tokenguard/internal/jose"
)

// Thumbprint returns the key's JWK SHA-256 thumbprint (RFC 7638),
// base64url-encoded without padding: the value a DPoP-bound token carries in
// cnf.jkt (RFC 9449 §6.1) and the usual choice of kid. Every thumbprint in
// tokenguard comes from here. A symmetric key has none.
func (k *Key) Thumbprint() (string, error) {
	if k == nil || k.public == nil {
		return "", Errorf(ErrKeyMismatch, "", "a thumbprint needs a public key; this key has none")
	}
	if k.thumb != "" {
		return k.thumb, nil
	}
	tp, err := jose.Thumbprint(k.public)
	if err != nil {
		return "", &ValidationError{Kind: ErrKeyMismatch, Reason: "the key's thumbprint cannot be computed", Err: err}
	}
	return tp, nil
}

// CertificateThumbprint returns a certificate's SHA-256 thumbprint as RFC
// 8705 §3.1 defines it: the base64url (unpadded) SHA-256 of its DER
// encoding, the value a certificate-bound token carries in cnf.x5t#S256. It
// returns "" for nil.
func CertificateThumbprint(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
