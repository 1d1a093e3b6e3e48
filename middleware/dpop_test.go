package middleware_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// dpopEnv is an issuer, a validator for it, a client key and a middleware.
type dpopEnv struct {
	iss *tokentest.Issuer
	v   *accesstoken.Validator
	key *tokentest.DPoPKey
	mw  *middleware.Middleware
}

func newDPoPEnv(t *testing.T, opts middleware.Options, edit ...func(*accesstoken.Config)) *dpopEnv {
	t.Helper()
	iss := tokentest.NewIssuer(t)
	cfg := accesstoken.Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource()}
	for _, e := range edit {
		e(&cfg)
	}
	v, err := accesstoken.NewValidator(cfg)
	require.NoError(t, err)
	if opts.Realm == "" {
		opts.Realm = "api"
	}
	return &dpopEnv{iss: iss, v: v, key: iss.NewDPoPKey("ES256"), mw: middleware.New(v, opts)}
}

// do sends a request to the protected handler as an in-process server
// receives it, with the given Authorization and DPoP header values (each
// may be several, or none).
func (e *dpopEnv) do(method, target string, auth, dpop []string, extra http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for _, a := range auth {
		r.Header.Add("Authorization", a)
	}
	for _, d := range dpop {
		r.Header.Add("DPoP", d)
	}
	for k, vs := range extra {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	e.mw.Require("read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		_, _ = io.WriteString(w, "jkt="+at.Confirmation.JKT)
	})).ServeHTTP(w, r)
	return w
}

const target = "http://api.example.com/appointments?week=12"

func TestMiddlewareDPoP(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed}})
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})
	algs := `algs="` + strings.Join(token.DefaultAlgorithms(), " ") + `"`
	proof := func() string { return env.key.Proof("GET", target, tok, nil) }

	w := env.do("GET", target, []string{"DPoP " + tok}, []string{proof()}, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "jkt="+env.key.Thumbprint(), w.Body.String())

	tests := []struct {
		name      string
		auth      []string
		dpop      []string
		status    int
		challenge string
		err       error
	}{
		{"no token: both schemes, no error", nil, nil, 401,
			`Bearer realm="api", DPoP realm="api", ` + algs, middleware.ErrNoToken},
		{"bound token as bearer", []string{"Bearer " + tok}, nil, 401,
			`Bearer realm="api", error="invalid_token", error_description=`, token.ErrSenderConstrained},
		{"bound token as bearer with a proof", []string{"Bearer " + tok}, []string{proof()}, 401,
			`Bearer realm="api", error="invalid_token"`, token.ErrSenderConstrained},
		{"two DPoP headers", []string{"DPoP " + tok}, []string{proof(), proof()}, 401,
			`Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof"`, token.ErrDPoPProof},
		{"no DPoP header", []string{"DPoP " + tok}, nil, 401,
			`Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof"`, token.ErrDPoPProof},
		{"empty DPoP header", []string{"DPoP " + tok}, []string{""}, 401,
			`Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof"`, token.ErrDPoPProof},
		{"proof for another method", []string{"DPoP " + tok}, []string{env.key.Proof("POST", target, tok, nil)}, 401,
			`Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof"`, token.ErrDPoPProof},
		{"proof of another key", []string{"DPoP " + tok}, []string{env.iss.NewDPoPKey("ES256").Proof("GET", target, tok, nil)}, 401,
			`Bearer realm="api", DPoP realm="api", error="invalid_token"`, token.ErrBinding},
		{"proof as the access token", []string{"DPoP " + proof()}, []string{proof()}, 401,
			`Bearer realm="api", DPoP realm="api", error="invalid_token"`, token.ErrTokenType},
		{"DPoP credentials not a token68", []string{"DPoP a b"}, []string{proof()}, 400,
			`Bearer realm="api", error="invalid_request"`, middleware.ErrInvalidRequest},
		{"both schemes", []string{"Bearer " + tok, "DPoP " + tok}, []string{proof()}, 400,
			`Bearer realm="api", error="invalid_request"`, middleware.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *middleware.Error
			env.mw = middleware.New(env.v, middleware.Options{Realm: "api", DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed},
				ErrorResponder: func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
					got = e
					middleware.DefaultErrorResponder(w, r, e)
				}})
			w := env.do("GET", target, tt.auth, tt.dpop, nil)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			ch := w.Header().Values("WWW-Authenticate")
			require.Len(t, ch, 1)
			assert.True(t, strings.HasPrefix(ch[0], tt.challenge), "challenge %s", ch[0])
			assert.Contains(t, ch[0], "DPoP realm=")
			assert.Contains(t, ch[0], algs)
			if tt.status == 400 {
				assert.Equal(t, 2, strings.Count(ch[0], `error="invalid_request"`), "both challenges carry the error: %s", ch[0])
			} else if strings.Contains(tt.challenge, "DPoP realm=\"api\", error") {
				assert.NotContains(t, strings.SplitN(ch[0], "DPoP realm", 2)[0], "error=", "the Bearer challenge carries an error: %s", ch[0])
			}
			require.NotNil(t, got)
			assert.True(t, errors.Is(got, tt.err), "error %v, want %v", got.Err, tt.err)
			assert.NotContains(t, w.Body.String(), tok)
		})
	}
}

func TestMiddlewareDPoPReplay(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPRequired}})
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})
	proof := env.key.Proof("GET", target, tok, nil)
	require.Equal(t, http.StatusOK, env.do("GET", target, []string{"DPoP " + tok}, []string{proof}, nil).Code)
	w := env.do("GET", target, []string{"DPoP " + tok}, []string{proof}, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `DPoP realm="api", error="invalid_dpop_proof"`), w.Header().Get("WWW-Authenticate"))
}

func TestMiddlewareModes(t *testing.T) {
	// Bearer only (the default): the DPoP scheme is not a bearer token.
	env := newDPoPEnv(t, middleware.Options{})
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})
	w := env.do("GET", target, []string{"DPoP " + tok}, []string{env.key.Proof("GET", target, tok, nil)}, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, `Bearer realm="api"`, w.Header().Get("WWW-Authenticate"))
	w = env.do("GET", target, []string{"Bearer " + tok}, nil, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="api", error="invalid_token"`))
	assert.NotContains(t, w.Header().Get("WWW-Authenticate"), "algs=")

	// DPoP required: a bearer token is a request without credentials.
	env = newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPRequired}})
	bearer := env.iss.AccessToken(tokentest.Claims{"scope": "read"})
	w = env.do("GET", target, []string{"Bearer " + bearer}, nil, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, `DPoP realm="api", algs="`+strings.Join(token.DefaultAlgorithms(), " ")+`"`, w.Header().Get("WWW-Authenticate"))
	// An unbound token with the DPoP scheme is refused: nothing binds it.
	w = env.do("GET", target, []string{"DPoP " + bearer}, []string{env.key.Proof("GET", target, bearer, nil)}, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `DPoP realm="api", error="invalid_token"`))

	// Allowed: unbound bearer tokens still pass.
	env = newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed}})
	bearer = env.iss.AccessToken(tokentest.Claims{"scope": "read"})
	assert.Equal(t, http.StatusOK, env.do("GET", target, []string{"Bearer " + bearer}, nil, nil).Code)

	// A mode that does not exist fails closed.
	env.mw = middleware.New(env.v, middleware.Options{DPoP: middleware.DPoPOptions{Mode: 9}})
	assert.Equal(t, http.StatusServiceUnavailable, env.do("GET", target, []string{"Bearer " + bearer}, nil, nil).Code)
	env.mw = middleware.New(env.v, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed, ExternalURL: "api.example.com"}})
	assert.Equal(t, http.StatusServiceUnavailable, env.do("GET", target, []string{"Bearer " + bearer}, nil, nil).Code)
}

func TestMiddlewareDPoPNonce(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	nonces, err := accesstoken.NewDPoPNonces(nil, time.Minute, clock)
	require.NoError(t, err)
	env := newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed}},
		func(c *accesstoken.Config) { c.DPoP.Nonces = nonces })
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})

	w := env.do("GET", target, []string{"DPoP " + tok}, []string{env.key.Proof("GET", target, tok, nil)}, nil)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="api", DPoP realm="api", error="use_dpop_nonce"`), w.Header().Get("WWW-Authenticate"))
	nonce := w.Header().Get("DPoP-Nonce")
	require.NotEmpty(t, nonce)
	require.Len(t, w.Header().Values("DPoP-Nonce"), 1)

	w = env.do("GET", target, []string{"DPoP " + tok}, []string{env.key.Proof("GET", target, tok, tokentest.Claims{"nonce": nonce})}, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Empty(t, w.Header().Get("DPoP-Nonce"))

	now = now.Add(time.Minute) // the nonce is now the previous one
	w = env.do("GET", target, []string{"DPoP " + tok}, []string{env.key.Proof("GET", target, tok, tokentest.Claims{"nonce": nonce, "iat": time.Now().Unix()})}, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	next := w.Header().Get("DPoP-Nonce")
	assert.NotEmpty(t, next)
	assert.NotEqual(t, nonce, next)
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
}

// htu is checked against the URI clients use: behind a proxy, the
// configured external URL; forwarded headers only when trusted.
func TestMiddlewareDPoPExternalURL(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed}})
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})
	internal := "http://10.0.0.7:8080/appointments"
	external := "https://api.example.com/v1/appointments"
	forwarded := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"api.example.com"}}

	send := func(opts middleware.DPoPOptions, htu string, extra http.Header) int {
		env.mw = middleware.New(env.v, middleware.Options{DPoP: opts})
		return env.do("GET", internal, []string{"DPoP " + tok}, []string{env.key.Proof("GET", htu, tok, nil)}, extra).Code
	}
	allowed := middleware.DPoPOptions{Mode: middleware.DPoPAllowed}
	assert.Equal(t, 200, send(allowed, internal, nil))
	assert.Equal(t, 401, send(allowed, "https://api.example.com/appointments", forwarded), "forwarded headers were trusted")

	withURL := allowed
	withURL.ExternalURL = "https://api.example.com/v1/"
	assert.Equal(t, 200, send(withURL, external, forwarded))
	assert.Equal(t, 401, send(withURL, internal, nil))

	trusting := allowed
	trusting.TrustForwardedHeaders = true
	assert.Equal(t, 200, send(trusting, "https://api.example.com/appointments", forwarded))
	spoofed := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"evil.example.com, api.example.com"}}
	assert.Equal(t, 200, send(trusting, "https://api.example.com/appointments", spoofed), "the last value is the proxy's")
	assert.Equal(t, 401, send(trusting, "https://evil.example.com/appointments", spoofed))
}

// Certificate-bound tokens over a real mutual-TLS connection (RFC 8705 §3).
func TestMiddlewareMutualTLS(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{})
	cert, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	other, err := tokentest.NewClientCertificate("other")
	require.NoError(t, err)
	tok := env.iss.CertificateBoundToken(cert.Leaf, tokentest.Claims{"scope": "read"})

	srv := httptest.NewUnstartedServer(env.mw.Require("read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		_, _ = io.WriteString(w, at.Confirmation.X5TS256)
	})))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	get := func(c *tls.Certificate) (int, string) {
		client := srv.Client()
		tr := client.Transport.(*http.Transport).Clone()
		if c != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*c}
		}
		client = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest("GET", srv.URL+"/appointments", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate") + string(body)
	}
	code, body := get(&cert)
	require.Equal(t, 200, code, body)
	assert.Equal(t, token.CertificateThumbprint(cert.Leaf), body)
	code, body = get(&other)
	assert.Equal(t, 401, code)
	assert.Contains(t, body, `error="invalid_token"`)
	code, _ = get(nil)
	assert.Equal(t, 401, code)
}

// Behind a TLS-terminating proxy the certificate comes from the configured
// header only.
func TestMiddlewareCertificateHeader(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{ClientCertificateHeader: "X-Client-Cert"})
	cert, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	other, err := tokentest.NewClientCertificate("other")
	require.NoError(t, err)
	tok := env.iss.CertificateBoundToken(cert.Leaf, tokentest.Claims{"scope": "read"})
	pemOf := func(c *x509.Certificate) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	for name, v := range map[string]string{
		"PEM, URL-escaped":  url.PathEscape(pemOf(cert.Leaf)),
		"PEM, form-escaped": url.QueryEscape(pemOf(cert.Leaf)),
		"PEM, spaces":       strings.ReplaceAll(strings.TrimSpace(pemOf(cert.Leaf)), "\n", " "),
		"base64 DER":        strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(pemOf(cert.Leaf)), "-----BEGIN CERTIFICATE-----"), "-----END CERTIFICATE-----")), ""),
	} {
		w := env.do("GET", target, []string{"Bearer " + tok}, nil, http.Header{"X-Client-Cert": {v}})
		assert.Equal(t, 200, w.Code, "%s: %s", name, w.Body.String())
	}
	w := env.do("GET", target, []string{"Bearer " + tok}, nil, http.Header{"X-Client-Cert": {url.QueryEscape(pemOf(other.Leaf))}})
	assert.Equal(t, 401, w.Code)
	w = env.do("GET", target, []string{"Bearer " + tok}, nil, nil)
	assert.Equal(t, 401, w.Code)
	w = env.do("GET", target, []string{"Bearer " + tok}, nil, http.Header{"X-Client-Cert": {"garbage"}})
	assert.Equal(t, 503, w.Code, "a header the proxy mangled is an outage")
	w = env.do("GET", target, []string{"Bearer " + tok}, nil, http.Header{"X-Client-Cert": {url.QueryEscape(pemOf(cert.Leaf)), url.QueryEscape(pemOf(cert.Leaf))}})
	assert.Equal(t, 503, w.Code)
}

// A Validator that cannot check proofs makes the DPoP scheme an outage,
// never a pass.
func TestMiddlewareDPoPWithoutProofValidator(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{})
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})
	env.mw = middleware.New(middleware.ValidatorFunc(env.v.Validate), middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed}})
	w := env.do("GET", target, []string{"DPoP " + tok}, []string{env.key.Proof("GET", target, tok, nil)}, nil)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	w = env.do("GET", target, []string{"Bearer " + tok}, nil, nil)
	assert.Equal(t, http.StatusUnauthorized, w.Code, "Validate refuses the bound token")
}

// A step-up challenge goes on the scheme the request used.
func TestMiddlewareDPoPStepUp(t *testing.T) {
	env := newDPoPEnv(t, middleware.Options{DPoP: middleware.DPoPOptions{Mode: middleware.DPoPAllowed}})
	tok := env.iss.DPoPAccessToken(env.key, tokentest.Claims{"scope": "read"})
	h := env.mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.mw.StepUp(w, r, []string{"mfa"}, 0)
	}))
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Authorization", "DPoP "+tok)
	r.Header.Set("DPoP", env.key.Proof("GET", target, tok, nil))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	ch := w.Header().Get("WWW-Authenticate")
	assert.True(t, strings.HasPrefix(ch, `Bearer realm="api", DPoP realm="api", error="insufficient_user_authentication"`), ch)
	assert.Contains(t, ch, `acr_values="mfa"`)
}
