package accesstoken

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"

	"github.com/tokenguard/tokenguard/token"
)

// CertificateThumbprint returns the certificate's SHA-256 thumbprint as RFC
// 8705 §3.1 defines it: the base64url (unpadded) SHA-256 of its DER
// encoding, the value a certificate-bound token carries in cnf.x5t#S256.
func CertificateThumbprint(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkCertificate applies RFC 8705 §3: the token bound to the certificate
// whose thumbprint is want is accepted only over a connection that presented
// that certificate.
func checkCertificate(want string, cert *x509.Certificate) error {
	if cert == nil || len(cert.Raw) == 0 {
		return token.Errorf(token.ErrSenderConstrained, "cnf.x5t#S256",
			"the token is bound to a TLS client certificate (cnf.x5t#S256) and the request presented none; it is accepted only over a mutual-TLS connection with that certificate (RFC 8705 §3)")
	}
	if subtle.ConstantTimeCompare([]byte(CertificateThumbprint(cert)), []byte(want)) != 1 {
		return token.Errorf(token.ErrBinding, "cnf.x5t#S256",
			"the token is bound to another TLS client certificate than the one the request presented")
	}
	return nil
}
