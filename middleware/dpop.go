package middleware

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
)

// Error codes of RFC 9449 §7.1 and §9, used in DPoP challenges.
const (
	// CodeInvalidDPoPProof (401): the DPoP proof is invalid or was used
	// before (token.ErrDPoPProof, token.ErrReplay).
	CodeInvalidDPoPProof = "invalid_dpop_proof"
	// CodeUseDPoPNonce (401): the proof must carry the nonce the server
	// sends in the DPoP-Nonce header (token.ErrDPoPNonce).
	CodeUseDPoPNonce = "use_dpop_nonce"
)

// DPoPMode says which authentication schemes a Middleware accepts.
type DPoPMode uint8

const (
	// BearerOnly, the zero value and default, accepts "Authorization:
	// Bearer" only and challenges with the Bearer scheme alone. It is the
	// safe default: a DPoP-bound token presented as a bearer token is still
	// refused (token.ErrSenderConstrained), and the proof-checking code is
	// not reachable by clients unless you turn it on.
	BearerOnly DPoPMode = iota
	// DPoPAllowed accepts both "Authorization: Bearer" and
	// "Authorization: DPoP" with one DPoP proof header (RFC 9449 §7), and
	// challenges with both schemes (§7.2). A DPoP-bound token needs the
	// DPoP scheme and its proof; an unbound one the Bearer scheme.
	DPoPAllowed
	// DPoPRequired accepts only "Authorization: DPoP" with its proof, and
	// challenges with the DPoP scheme alone: a bearer token is answered as
	// a request without credentials.
	DPoPRequired
)

// DPoPOptions configures how a Middleware handles DPoP (RFC 9449). The zero
// value accepts bearer tokens only.
type DPoPOptions struct {
	// Mode chooses the accepted schemes; the zero value is BearerOnly.
	Mode DPoPMode
	// ExternalURL is how clients address this server: a scheme and host
	// ("https://api.example.com"), and optionally a path prefix that a
	// proxy strips before the request reaches this server. A proof's htu is
	// compared with it joined to the request's path. Empty means the
	// request's own Host, with https when the connection is TLS and http
	// otherwise; behind a TLS-terminating proxy set it, or
	// TrustForwardedHeaders.
	ExternalURL string
	// TrustForwardedHeaders takes the scheme and host from the
	// X-Forwarded-Proto and X-Forwarded-Host headers (the last value of
	// each, the one the proxy in front of this server added) when
	// ExternalURL is empty. Set it only when that proxy overwrites or
	// appends these headers on every request: otherwise a client chooses
	// the URI its proofs are checked against. Off by default: forwarded
	// headers are never read.
	TrustForwardedHeaders bool
}

// ProofValidator is a Validator that also checks proofs of possession:
// DPoP proofs and TLS client certificates. *accesstoken.Validator satisfies
// it. With a Validator that does not, the middleware refuses the DPoP
// scheme as an outage (503) and passes no certificate, so a bound token
// depends on the Validator's own Validate to be refused.
type ProofValidator interface {
	Validator
	// ValidateProof validates raw with the proof the request carried.
	ValidateProof(ctx context.Context, raw string, p accesstoken.Proof) (*accesstoken.Token, error)
	// DPoPAlgorithms lists the proof algorithms, space-separated, for the
	// algs parameter of DPoP challenges.
	DPoPAlgorithms() string
	// DPoPNonce returns the nonce to send in DPoP-Nonce, or "" when none
	// is required.
	DPoPNonce(ctx context.Context) (string, error)
}

var _ ProofValidator = (*accesstoken.Validator)(nil)

// fromDPoP marks a token that came with the DPoP scheme.
const fromDPoP source = 1 << 7

// schemeKey is the request context key marking a request that used the
// DPoP scheme, so that its refusals are challenged with that scheme.
type schemeKey struct{}

// maxCertificateHeader bounds the client certificate header.
const maxCertificateHeader = 16 << 10

// checkDPoP reports a configuration mistake in o.
func (o *DPoPOptions) check() error {
	if o.Mode > DPoPRequired {
		return fmt.Errorf("middleware: Options.DPoP.Mode %d is not one of BearerOnly, DPoPAllowed and DPoPRequired", o.Mode)
	}
	if o.ExternalURL != "" {
		if _, err := parseExternalURL(o.ExternalURL); err != nil {
			return err
		}
	}
	return nil
}

func parseExternalURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("middleware: Options.DPoP.ExternalURL %q must be an http or https URL with a host and at most a path", s)
	}
	return u, nil
}

// extractAny finds the token with the scheme the mode allows: the DPoP
// scheme, then the bearer ways of extract.
func (m *Middleware) extractAny(w http.ResponseWriter, r *http.Request) (string, source, *http.Request, *Error) {
	mode := m.opts.DPoP.Mode
	if mode != BearerOnly {
		if hs := r.Header["Authorization"]; len(hs) == 1 {
			if tok, isDPoP, ok := parseCredentials(hs[0], "dpop"); isDPoP {
				if !ok {
					return "", fromHeader | fromDPoP, r, badRequest("the Authorization header's DPoP credentials must be one or more spaces followed by a token68 (RFC 9449, section 7.1)", nil)
				}
				other, from, r, e := extract(w, r, &m.opts)
				if e != nil {
					return "", from | fromDPoP, r, e
				}
				if other != "" {
					return "", from | fromHeader | fromDPoP, r, badRequest("the access token was presented in more than one way (Authorization header, form body, query); use exactly one (RFC 6750, section 2)", nil)
				}
				r = r.WithContext(context.WithValue(r.Context(), schemeKey{}, true))
				return tok, from | fromHeader | fromDPoP, r, nil
			}
		}
	}
	raw, from, r, e := extract(w, r, &m.opts)
	if e == nil && raw != "" && mode == DPoPRequired {
		return "", from, r, &Error{
			Status:      http.StatusUnauthorized,
			Description: "this resource requires a DPoP-bound access token sent with \"Authorization: DPoP\" and a DPoP proof (RFC 9449); bearer tokens are not accepted",
			Err:         ErrNoToken,
		}
	}
	return raw, from, r, e
}

// noTokenDescription says what a request without a token lacks.
func (m *Middleware) noTokenDescription() string {
	switch m.opts.DPoP.Mode {
	case DPoPAllowed:
		return "this resource requires an access token, as a bearer token (RFC 6750) or with a DPoP proof (RFC 9449)"
	case DPoPRequired:
		return "this resource requires a DPoP-bound access token and a DPoP proof (RFC 9449)"
	}
	return "this resource requires a bearer access token (RFC 6750)"
}

// validateProof validates raw, found in from, with what r carries to prove
// possession: the DPoP proof for the DPoP scheme and the client
// certificate. It sets DPoP-Nonce on w when the client needs a new nonce.
func (m *Middleware) validateProof(w http.ResponseWriter, r *http.Request, v Validator, raw string, from source) (*accesstoken.Token, error) {
	ctx := r.Context()
	pv, ok := v.(ProofValidator)
	if !ok {
		if from&fromDPoP != 0 {
			return nil, token.Errorf(token.ErrUnavailable, "", "the middleware's Validator cannot check DPoP proofs: it does not implement middleware.ProofValidator")
		}
		return v.Validate(ctx, raw)
	}
	var p accesstoken.Proof
	var err error
	if p.Certificate, err = m.clientCertificate(r); err != nil {
		return nil, err
	}
	if from&fromDPoP != 0 {
		hs := r.Header.Values("DPoP")
		if len(hs) != 1 || hs[0] == "" {
			return nil, token.Errorf(token.ErrDPoPProof, "dpop", "the request has %d DPoP headers; the DPoP scheme needs exactly one, holding the proof (RFC 9449 §4.3)", len(hs))
		}
		p.DPoP, p.Method, p.URI = hs[0], r.Method, m.requestURI(r)
	}
	tok, err := pv.ValidateProof(ctx, raw, p)
	switch {
	case err != nil && errors.Is(err, token.ErrDPoPNonce):
		if n, nerr := pv.DPoPNonce(ctx); nerr == nil && n != "" {
			w.Header().Set("DPoP-Nonce", n)
		}
	case err == nil && tok != nil && tok.NextDPoPNonce != "":
		w.Header().Set("DPoP-Nonce", tok.NextDPoPNonce)
		w.Header().Set("Cache-Control", "no-store")
	}
	return tok, err
}

// errorCode is the error code of a refused token: RFC 9449's for a bad
// proof or a missing nonce, RFC 6750's invalid_token otherwise.
func errorCode(err error) string {
	switch {
	case errors.Is(err, token.ErrDPoPNonce):
		return CodeUseDPoPNonce
	case errors.Is(err, token.ErrDPoPProof), errors.Is(err, token.ErrReplay):
		return CodeInvalidDPoPProof
	}
	return CodeInvalidToken
}

// challenges is the WWW-Authenticate value for e: the Bearer challenge, the
// DPoP one or both, as the mode accepts, with the error on the challenge of
// the scheme the request used, on both when it was ambiguous (400), and on
// neither when it carried no token (RFC 9449 §7.2).
func (m *Middleware) challenges(r *http.Request, e *Error) string {
	mode := m.opts.DPoP.Mode
	if mode == BearerOnly {
		return challenge(m.opts.Realm, e)
	}
	plain := &Error{}
	dpopUsed, _ := r.Context().Value(schemeKey{}).(bool)
	dpopErr, bearerErr := plain, plain
	switch {
	case e.Status == http.StatusBadRequest:
		dpopErr, bearerErr = e, e
	case dpopUsed:
		dpopErr = e
	default:
		bearerErr = e
	}
	dpop := m.dpopChallenge(dpopErr)
	if mode == DPoPRequired {
		return dpop
	}
	return challenge(m.opts.Realm, bearerErr) + ", " + dpop
}

// dpopChallenge is the DPoP challenge for e (RFC 9449 §7.1): the Bearer
// challenge's parameters under the DPoP scheme, and algs.
func (m *Middleware) dpopChallenge(e *Error) string {
	c := "DPoP" + strings.TrimPrefix(challenge(m.opts.Realm, e), "Bearer")
	algs := strings.Join(token.DefaultAlgorithms(), " ")
	if pv, ok := m.v.(ProofValidator); ok {
		algs = pv.DPoPAlgorithms()
	}
	var b strings.Builder
	b.WriteString(c)
	if c == "DPoP" {
		b.WriteString(" algs=")
	} else {
		b.WriteString(", algs=")
	}
	appendQuoted(&b, algs)
	return b.String()
}

// requestURI is the request's target URI as the client addressed it, for
// the proof's htu: the configured external URL, or the forwarded scheme and
// host when trusted, or the request's own, joined to the path of the
// request-target as the client sent it.
func (m *Middleware) requestURI(r *http.Request) string {
	path := r.RequestURI
	if path == "" || path[0] != '/' {
		// Absolute-form, or a request built in a test: the parsed URL's.
		path = r.URL.EscapedPath()
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	o := &m.opts.DPoP
	if o.ExternalURL != "" {
		if u, err := parseExternalURL(o.ExternalURL); err == nil {
			return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/") + path
		}
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if o.TrustForwardedHeaders {
		if p := lastForwarded(r, "X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := lastForwarded(r, "X-Forwarded-Host"); h != "" {
			host = h
		}
	}
	return scheme + "://" + host + path
}

// lastForwarded returns the last comma-separated value of header name: the
// one the nearest proxy added.
func lastForwarded(r *http.Request, name string) string {
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return ""
	}
	v := vs[len(vs)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// clientCertificate returns the request's TLS client certificate: from the
// configured header when Options.ClientCertificateHeader is set (and then
// only from there), else from the connection. A header that cannot be read
// is the proxy's fault, an outage, never the client's.
func (m *Middleware) clientCertificate(r *http.Request) (*x509.Certificate, error) {
	name := m.opts.ClientCertificateHeader
	if name == "" {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			return r.TLS.PeerCertificates[0], nil
		}
		return nil, nil
	}
	vs := r.Header.Values(name)
	switch {
	case len(vs) == 0 || (len(vs) == 1 && vs[0] == ""):
		return nil, nil
	case len(vs) > 1:
		return nil, token.Errorf(token.ErrUnavailable, "", "the request has %d %s headers; the proxy must send exactly one client certificate", len(vs), name)
	}
	cert, err := parseCertificateHeader(vs[0])
	if err != nil {
		return nil, &token.ValidationError{Kind: token.ErrUnavailable, Reason: "the client certificate in the " + name + " header cannot be read", Err: err}
	}
	return cert, nil
}

// parseCertificateHeader reads a certificate as proxies forward it: PEM,
// URL-escaped PEM (nginx's $ssl_client_escaped_cert, AWS ALB), PEM with
// its line breaks turned into spaces (Apache), or base64 DER.
func parseCertificateHeader(v string) (*x509.Certificate, error) {
	if len(v) > maxCertificateHeader {
		return nil, fmt.Errorf("the header is %d bytes; at most %d are read", len(v), maxCertificateHeader)
	}
	if strings.Contains(v, "%") {
		u, err := url.PathUnescape(v)
		if err != nil {
			return nil, errors.New("the header is not valid URL escaping")
		}
		v = u
	}
	// A space escaped as "+" (form encoding) in the PEM armour lines; "+"
	// elsewhere is base64.
	v = strings.NewReplacer("BEGIN+CERTIFICATE", "BEGIN CERTIFICATE", "END+CERTIFICATE", "END CERTIFICATE").Replace(strings.TrimSpace(v))
	const begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
	var der []byte
	if body, ok := strings.CutPrefix(v, begin); ok {
		if body, ok = strings.CutSuffix(body, end); !ok {
			return nil, errors.New("the PEM certificate has no end line")
		}
		block, _ := pem.Decode([]byte(begin + "\n" + strings.Join(strings.Fields(body), "\n") + "\n" + end + "\n"))
		if block == nil {
			return nil, errors.New("the PEM certificate cannot be decoded")
		}
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(v); err != nil {
			if der, err = base64.RawURLEncoding.DecodeString(v); err != nil {
				return nil, errors.New("the header is neither PEM nor base64 DER")
			}
		}
	}
	return x509.ParseCertificate(der)
}
