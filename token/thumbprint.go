package token

import (
	"errors"

	"github.com/tokenguard/tokenguard/internal/jose"
)

// Thumbprint returns the key's JWK SHA-256 thumbprint (RFC 7638),
// base64url-encoded without padding: the value a DPoP-bound token carries in
// cnf.jkt (RFC 9449 §6.1) and the usual choice of kid. Every thumbprint in
// tokenguard comes from here. A symmetric key has none.
func (k *Key) Thumbprint() (string, error) {
	if k == nil || k.public == nil {
		return "", errors.New("token: a thumbprint needs a public key")
	}
	if k.thumb != "" {
		return k.thumb, nil
	}
	return jose.Thumbprint(k.public)
}
