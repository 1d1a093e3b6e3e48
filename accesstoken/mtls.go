package accesstoken

import (
	"crypto/subtle"
	"crypto/x509"

	"github.com/tokenguard/tokenguard/token"
)

// checkCertificate applies RFC 8705 §3: the token bound to the certificate
// whose thumbprint is want is accepted only over a connection that presented
// that certificate.
func checkCertificate(want string, cert *x509.Certificate) error {
	if cert == nil || len(cert.Raw) == 0 {
		return token.Errorf(token.ErrSenderConstrained, "cnf.x5t#S256",
			"the token is bound to a TLS client certificate (cnf.x5t#S256) and the request presented none; it is accepted only over a mutual-TLS connection with that certificate (RFC 8705 §3)")
	}
	if subtle.ConstantTimeCompare([]byte(token.CertificateThumbprint(cert)), []byte(want)) != 1 {
		return token.Errorf(token.ErrBinding, "cnf.x5t#S256",
			"the token is bound to another TLS client certificate than the one the request presented")
	}
	return nil
}
