package middleware

import (
	"encoding/base64"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// FuzzCertificateHeader feeds arbitrary values of the client certificate
// header: no panic, and whatever parses is a certificate whose DER the
// value carried in one of the accepted encodings.
func FuzzCertificateHeader(f *testing.F) {
	c, err := tokentest.NewClientCertificate("c")
	if err != nil {
		f.Fatal(err)
	}
	cert := c.Leaf
	p := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	f.Add(p)
	f.Add(url.PathEscape(p))
	f.Add(url.QueryEscape(p))
	f.Add(strings.ReplaceAll(p, "\n", " "))
	f.Add(base64.StdEncoding.EncodeToString(cert.Raw))
	f.Add(base64.RawURLEncoding.EncodeToString(cert.Raw))
	f.Add("-----BEGIN CERTIFICATE-----")
	f.Add("%zz")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := parseCertificateHeader(v)
		if err != nil {
			return
		}
		if c == nil || len(c.Raw) == 0 {
			t.Fatal("no error and no certificate")
		}
		if len(v) > maxCertificateHeader {
			t.Fatal("a header over the bound was read")
		}
	})
}
