package jwks

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/token"
)

// issuerServer serves a JWKS at /jwks.json and whatever discovery documents
// a test puts in docs (path → body; a missing path answers 404), and
// records the paths asked for.
type issuerServer struct {
	*httptest.Server
	mu    sync.Mutex
	docs  map[string][]byte
	jwks  []byte
	paths []string
}

func newIssuerServer(t *testing.T) *issuerServer {
	t.Helper()
	s := &issuerServer{docs: map[string][]byte{}, jwks: jwksDoc(t, ecJWK("a", 0))}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		doc, ok := s.docs[r.URL.Path]
		jwks := s.jwks
		s.mu.Unlock()
		switch {
		case r.URL.Path == "/jwks.json":
			w.Write(jwks)
		case ok:
			w.Header().Set("Content-Type", "application/json")
			w.Write(doc)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *issuerServer) serve(path string, doc map[string]any) {
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.docs[path] = b
	s.mu.Unlock()
}

func (s *issuerServer) serveRaw(path, doc string) {
	s.mu.Lock()
	s.docs[path] = []byte(doc)
	s.mu.Unlock()
}

func (s *issuerServer) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// metadata is a typical provider configuration for issuer iss.
func metadata(iss, base string) map[string]any {
	return map[string]any{
		"issuer":                                        iss,
		"jwks_uri":                                      base + "/jwks.json",
		"authorization_endpoint":                        base + "/authorize",
		"token_endpoint":                                base + "/oauth/token",
		"userinfo_endpoint":                             base + "/userinfo",
		"introspection_endpoint":                        base + "/introspect",
		"revocation_endpoint":                           base + "/revoke",
		"end_session_endpoint":                          base + "/logout",
		"registration_endpoint":                         base + "/register",
		"id_token_signing_alg_values_supported":         []string{"RS256", "ES256"},
		"response_types_supported":                      []string{"code", "id_token"},
		"response_modes_supported":                      []string{"query", "form_post"},
		"grant_types_supported":                         []string{"authorization_code", "refresh_token"},
		"subject_types_supported":                       []string{"public"},
		"scopes_supported":                              []string{"openid", "email"},
		"claims_supported":                              []string{"sub", "email"},
		"token_endpoint_auth_methods_supported":         []string{"client_secret_basic"},
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":              []string{"S256"},
		"mtls_endpoint_aliases":                         map[string]any{"token_endpoint": base + "/mtls/token"},
	}
}

func TestFromIssuerOpenIDConfiguration(t *testing.T) {
	srv := newIssuerServer(t)
	srv.serve("/.well-known/openid-configuration", metadata(srv.URL, srv.URL))
	r, err := FromIssuer(context.Background(), srv.URL, Options{})
	require.NoError(t, err)
	defer r.Close()

	_, err = r.Keys(context.Background(), "a")
	require.NoError(t, err)
	assert.Equal(t, []string{"/.well-known/openid-configuration", "/jwks.json"}, srv.asked())
	assert.Equal(t, srv.URL+"/jwks.json", r.URL())

	d := r.Discovery()
	require.NotNil(t, d)
	assert.Equal(t, srv.URL, d.Issuer)
	assert.Equal(t, srv.URL+"/jwks.json", d.JWKSURI)
	assert.Equal(t, srv.URL+"/introspect", d.IntrospectionEndpoint)
	assert.Equal(t, srv.URL+"/authorize", d.AuthorizationEndpoint)
	assert.Equal(t, srv.URL+"/oauth/token", d.TokenEndpoint)
	assert.Equal(t, srv.URL+"/userinfo", d.UserinfoEndpoint)
	assert.Equal(t, srv.URL+"/revoke", d.RevocationEndpoint)
	assert.Equal(t, srv.URL+"/logout", d.EndSessionEndpoint)
	assert.Equal(t, srv.URL+"/register", d.RegistrationEndpoint)
	assert.Equal(t, []string{"RS256", "ES256"}, d.IDTokenSigningAlgValues)
	assert.Equal(t, []string{"code", "id_token"}, d.ResponseTypes)
	assert.Equal(t, []string{"query", "form_post"}, d.ResponseModes)
	assert.Equal(t, []string{"authorization_code", "refresh_token"}, d.GrantTypes)
	assert.Equal(t, []string{"public"}, d.SubjectTypes)
	assert.Equal(t, []string{"openid", "email"}, d.Scopes)
	assert.Equal(t, []string{"sub", "email"}, d.Claims)
	assert.Equal(t, []string{"client_secret_basic"}, d.TokenEndpointAuthMethods)
	assert.Equal(t, []string{"client_secret_basic", "client_secret_post"}, d.IntrospectionEndpointAuthMethods)
	assert.Equal(t, []string{"S256"}, d.CodeChallengeMethods)
	assert.Contains(t, string(d.Raw), "mtls_endpoint_aliases")

	// Discovery returns a copy.
	d.IDTokenSigningAlgValues[0] = "none"
	d.Raw[0] = 'x'
	assert.Equal(t, "RS256", r.Discovery().IDTokenSigningAlgValues[0])
	assert.Equal(t, byte('{'), r.Discovery().Raw[0])
}

func TestFromIssuerRFC8414Fallback(t *testing.T) {
	tests := []struct {
		name      string
		path      string // the issuer's path
		wantAsked []string
	}{
		{"issuer without a path", "", []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/jwks.json"}},
		{"issuer with a path", "/tenant1", []string{"/tenant1/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/tenant1", "/jwks.json"}},
		{"issuer with a path and a trailing slash", "/tenant1/", []string{"/tenant1/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/tenant1", "/jwks.json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIssuerServer(t)
			iss := srv.URL + tc.path
			md := metadata(iss, srv.URL)
			delete(md, "userinfo_endpoint")
			srv.serve(tc.wantAsked[1], md)
			r, err := FromIssuer(context.Background(), iss, Options{})
			require.NoError(t, err)
			defer r.Close()
			assert.Equal(t, tc.wantAsked, srv.asked())
			assert.Equal(t, iss, r.Discovery().Issuer)
			assert.Equal(t, srv.URL+"/introspect", r.Discovery().IntrospectionEndpoint)
			_, err = r.Keys(context.Background(), "a")
			require.NoError(t, err)
		})
	}
}

func TestFromIssuerRefusals(t *testing.T) {
	const oidc = "/.well-known/openid-configuration"
	tests := []struct {
		name      string
		issuer    func(base string) string
		setup     func(s *issuerServer)
		wantErr   error
		wantText  string
		wantAsked []string
	}{
		{
			name:   "issuer differs by a trailing slash",
			issuer: func(base string) string { return base },
			setup: func(s *issuerServer) {
				s.serve(oidc, metadata(s.URL+"/", s.URL))
			},
			wantErr: token.ErrUnavailable, wantText: "expected exactly", wantAsked: []string{oidc},
		},
		{
			name:   "issuer of another host",
			issuer: func(base string) string { return base },
			setup: func(s *issuerServer) {
				s.serve(oidc, metadata("https://evil.example.com", s.URL))
			},
			wantErr: token.ErrUnavailable, wantText: "evil.example.com", wantAsked: []string{oidc},
		},
		{
			name:   "issuer in other case",
			issuer: func(base string) string { return base + "/Tenant" },
			setup: func(s *issuerServer) {
				s.serve("/Tenant"+oidc, metadata(s.URL+"/tenant", s.URL))
			},
			wantErr: token.ErrUnavailable, wantText: "expected exactly", wantAsked: []string{"/Tenant" + oidc},
		},
		{
			name:   "mismatch in the RFC 8414 document",
			issuer: func(base string) string { return base + "/t" },
			setup: func(s *issuerServer) {
				s.serve("/.well-known/oauth-authorization-server/t", metadata(s.URL, s.URL))
			},
			wantErr: token.ErrUnavailable, wantText: "expected exactly",
			wantAsked: []string{"/t" + oidc, "/.well-known/oauth-authorization-server/t"},
		},
		{
			name:    "no document at either location",
			issuer:  func(base string) string { return base },
			setup:   func(s *issuerServer) {},
			wantErr: token.ErrUnavailable, wantText: "status 404",
			wantAsked: []string{oidc, "/.well-known/oauth-authorization-server"},
		},
		{
			name:   "a malformed OpenID document is not skipped",
			issuer: func(base string) string { return base },
			setup: func(s *issuerServer) {
				s.serveRaw(oidc, `{"issuer":"x","issuer":"y"}`)
				s.serve("/.well-known/oauth-authorization-server", metadata(s.URL, s.URL))
			},
			wantErr: token.ErrUnavailable, wantText: "duplicate member name", wantAsked: []string{oidc},
		},
		{
			name:   "no jwks_uri",
			issuer: func(base string) string { return base },
			setup: func(s *issuerServer) {
				md := metadata(s.URL, s.URL)
				delete(md, "jwks_uri")
				s.serve(oidc, md)
			},
			wantErr: token.ErrUnavailable, wantText: "no jwks_uri", wantAsked: []string{oidc},
		},
		{
			name:   "jwks_uri over plain http elsewhere",
			issuer: func(base string) string { return base },
			setup: func(s *issuerServer) {
				md := metadata(s.URL, s.URL)
				md["jwks_uri"] = "http://keys.example.com/jwks.json"
				s.serve(oidc, md)
			},
			wantErr: ErrURL, wantText: "uses http", wantAsked: []string{oidc},
		},
		{
			name:   "the key set fails",
			issuer: func(base string) string { return base },
			setup: func(s *issuerServer) {
				s.serve(oidc, metadata(s.URL, s.URL))
				s.jwks = []byte(`{"keys":[]}`)
			},
			wantErr: token.ErrUnavailable, wantText: "no usable signing key", wantAsked: []string{oidc, "/jwks.json"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIssuerServer(t)
			tc.setup(srv)
			r, err := FromIssuer(context.Background(), tc.issuer(srv.URL), Options{})
			closeIfMade(t, r)
			require.ErrorIs(t, err, tc.wantErr)
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), tc.wantText)
			assert.NotErrorIs(t, err, token.ErrIssuer, "a discovery document is not a token")
			assert.NotErrorIs(t, err, token.ErrMalformed, "a discovery document is not a token")
			assert.Equal(t, tc.wantAsked, srv.asked())
			requireNoGoroutines(t)
		})
	}
}

func TestFromIssuerURLRules(t *testing.T) {
	var rt countingTransport
	opts := Options{HTTPClient: &http.Client{Transport: &rt}}
	for _, iss := range []string{
		"http://issuer.example.com",
		"https://issuer.example.com/?tenant=1",
		"https://issuer.example.com/?",
		"https://issuer.example.com/#x",
		"issuer.example.com",
		"",
	} {
		r, err := FromIssuer(context.Background(), iss, opts)
		closeIfMade(t, r)
		require.ErrorIs(t, err, ErrURL, "issuer %q", iss)
	}
	assert.Zero(t, rt.n(), "nothing is fetched for a refused issuer")
}

func TestDiscoveryURLs(t *testing.T) {
	tests := []struct {
		issuer, oidc, oauth string
	}{
		{"https://as.example.com", "https://as.example.com/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server"},
		{"https://as.example.com/", "https://as.example.com/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server"},
		{"https://as.example.com/issuer1", "https://as.example.com/issuer1/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server/issuer1"},
		{"https://as.example.com/a/b/", "https://as.example.com/a/b/.well-known/openid-configuration", "https://as.example.com/.well-known/oauth-authorization-server/a/b"},
		{"https://as.example.com:8443/a%2Fb", "https://as.example.com:8443/a%2Fb/.well-known/openid-configuration", "https://as.example.com:8443/.well-known/oauth-authorization-server/a%2Fb"},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.issuer)
		require.NoError(t, err)
		got := discoveryURLs(u)
		assert.Equal(t, tc.oidc, got[0].String(), tc.issuer)
		assert.Equal(t, tc.oauth, got[1].String(), tc.issuer)
	}
}

func TestParseDiscovery(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		wantClaim string // the member named by the error; "" for success
	}{
		{"minimal", `{"issuer":"https://a.example"}`, ""},
		{"unknown members kept", `{"issuer":"https://a.example","x_custom":{"deep":[1,2,{"x":null}]}}`, ""},
		{"null members are absent", `{"issuer":"https://a.example","jwks_uri":null,"scopes_supported":null}`, ""},
		{"empty lists", `{"issuer":"https://a.example","scopes_supported":[]}`, ""},
		{"escaped issuer", `{"issuer":"https:\/\/a.example"}`, ""},
		{"no issuer", `{"jwks_uri":"https://a.example/jwks"}`, "issuer"},
		{"empty issuer", `{"issuer":""}`, "issuer"},
		{"issuer not a string", `{"issuer":42}`, "issuer"},
		{"jwks_uri an array", `{"issuer":"https://a.example","jwks_uri":["https://a.example/jwks"]}`, "jwks_uri"},
		{"algs a string", `{"issuer":"https://a.example","id_token_signing_alg_values_supported":"RS256"}`, "id_token_signing_alg_values_supported"},
		{"algs with a number", `{"issuer":"https://a.example","id_token_signing_alg_values_supported":["RS256",256]}`, "id_token_signing_alg_values_supported"},
		{"duplicate member", `{"issuer":"https://a.example","issuer":"https://b.example"}`, "-"},
		{"case-fold duplicate", `{"issuer":"https://a.example","ISSUER":"https://b.example"}`, "-"},
		{"not an object", `["issuer"]`, "-"},
		{"trailing data", `{"issuer":"https://a.example"} {}`, "-"},
		{"invalid UTF-8", "{\"issuer\":\"https://a.example\xff\"}", "-"},
		{"too deep", `{"issuer":"https://a.example","x":` + deep(17) + `}`, "-"},
		{"empty", ``, "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDiscovery([]byte(tc.doc))
			if tc.wantClaim == "" {
				require.NoError(t, err)
				assert.Equal(t, "https://a.example", d.Issuer)
				assert.Equal(t, tc.doc, string(d.Raw))
				return
			}
			require.ErrorIs(t, err, token.ErrMalformed)
			assert.Nil(t, d)
			if tc.wantClaim != "-" {
				var ve *token.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tc.wantClaim, ve.Claim)
			}
		})
	}
}

// deep returns n nested arrays.
func deep(n int) string {
	s := ""
	for range n {
		s += "["
	}
	for range n {
		s += "]"
	}
	return s
}

// A discovery document fetched over https may not send us to fetch keys
// over plain http, not even from a loopback address: only a plain-http
// (hence loopback) issuer, or Options.AllowInsecureHTTP, permits a plain-http
// loopback jwks_uri.
func TestFromIssuerHTTPSIssuerRefusesHTTPJWKSURI(t *testing.T) {
	const oidc = "/.well-known/openid-configuration"
	keys := newIssuerServer(t) // plain http on 127.0.0.1, serves /jwks.json
	tlsIssuer := func(t *testing.T) *httptest.Server {
		var srv *httptest.Server
		srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != oidc {
				http.NotFound(w, r)
				return
			}
			md := metadata(srv.URL, srv.URL)
			md["jwks_uri"] = keys.URL + "/jwks.json"
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(md)
		}))
		t.Cleanup(srv.Close)
		return srv
	}

	tests := []struct {
		name      string
		issuer    func(t *testing.T) (iss string, client *http.Client)
		allowHTTP bool
		wantErr   error // nil: accepted
	}{
		{"https issuer, http loopback jwks_uri", func(t *testing.T) (string, *http.Client) {
			srv := tlsIssuer(t)
			return srv.URL, srv.Client()
		}, false, ErrURL},
		{"https issuer, http loopback jwks_uri, AllowInsecureHTTP", func(t *testing.T) (string, *http.Client) {
			srv := tlsIssuer(t)
			return srv.URL, srv.Client()
		}, true, nil},
		{"http loopback issuer, http loopback jwks_uri", func(t *testing.T) (string, *http.Client) {
			srv := newIssuerServer(t)
			md := metadata(srv.URL, srv.URL)
			md["jwks_uri"] = keys.URL + "/jwks.json"
			srv.serve(oidc, md)
			return srv.URL, nil
		}, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iss, client := tc.issuer(t)
			r, err := FromIssuer(context.Background(), iss, Options{HTTPClient: client, AllowInsecureHTTP: tc.allowHTTP})
			closeIfMade(t, r)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.ErrorIs(t, err, token.ErrUnavailable)
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), "must use https")
			requireNoGoroutines(t)
		})
	}
}
