package middleware_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Configuration values the tests below give the validator. None of them
// may ever reach a client.
const (
	secretAudience  = "https://internal-billing.corp.example"
	secretAudience2 = "urn:corp:billing-v2"
	secretAlgorithm = "PS384"
)

// switchTransport sends requests through a transport that trusts the test
// server's certificate until broken is set, then through one that does
// not, so a fetch that worked starts failing with a TLS error.
type switchTransport struct {
	trusting, strict http.RoundTripper
	broken           atomic.Bool
}

func (s *switchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.broken.Load() {
		return s.strict.RoundTrip(r)
	}
	return s.trusting.RoundTrip(r)
}

// jwksMirror serves iss's JWKS document from a server of its own (TLS when
// asked), so that the test can break that server without breaking iss.
func jwksMirror(t *testing.T, iss *tokentest.Issuer, useTLS bool) (*httptest.Server, *switchTransport) {
	t.Helper()
	resp, err := iss.HTTPClient().Get(iss.JWKSURL())
	require.NoError(t, err)
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	})
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	st := &switchTransport{trusting: srv.Client().Transport, strict: &http.Transport{}}
	return srv, st
}

// TestClientsAreToldAboutTheirTokenOnly sends, through the middleware in
// front of a real validator, tokens refused for a reason that involves the
// server's configuration or infrastructure: an unreachable key or
// introspection endpoint (refused connection, error status, TLS failure),
// an audience, issuer or algorithm the validator does not accept, a kind
// of token it is not configured for. The client's answer (status line,
// WWW-Authenticate and body) never names an endpoint, a network or TLS
// error, a configured value or a configuration setting; the server's log
// line for the request does, for the operator.
func TestClientsAreToldAboutTheirTokenOnly(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	ctx := context.Background()

	// introspector builds a client for endpoint with the issuer's
	// credentials.
	introspector := func(t *testing.T, endpoint string, client *http.Client) *introspect.Client {
		c, err := introspect.NewClient(introspect.Config{
			Endpoint:     endpoint,
			ClientID:     iss.IntrospectionClientID(),
			ClientSecret: iss.IntrospectionClientSecret(),
			HTTPClient:   client,
			Timeout:      2 * time.Second,
		})
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	base := func() accesstoken.Config {
		return accesstoken.Config{
			Issuer:    iss.URL(),
			Audience:  secretAudience,
			Audiences: []string{secretAudience2, iss.Audience()},
			Keys:      iss.KeySource(),
		}
	}
	rotated := func() string {
		// Signed with a key the validator has never seen, under a new kid:
		// only a refetch of the key set can find it.
		k := forger(t)
		return iss.AccessToken(nil, tokentest.WithSigningKey(k), tokentest.WithKeyID("rotated-in-just-now"))
	}

	tests := []struct {
		name       string
		setup      func(t *testing.T) (cfg accesstoken.Config, forbidden []string)
		token      func(t *testing.T) string
		wantStatus int
		logHas     string // what the operator must find in the log
	}{
		{
			name: "key refetch answered 500",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				srv, _ := jwksMirror(t, iss, false)
				ks, err := jwks.New(ctx, srv.URL, jwks.Options{})
				require.NoError(t, err)
				t.Cleanup(func() { ks.Close() })
				srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "upstream exploded at db-7.corp", http.StatusInternalServerError)
				})
				cfg := base()
				cfg.Keys = ks
				return cfg, []string{srv.URL, strings.TrimPrefix(srv.URL, "http://"), "500", "db-7.corp"}
			},
			token:      func(t *testing.T) string { return rotated() },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "status 500",
		},
		{
			name: "key refetch connection refused",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				srv, _ := jwksMirror(t, iss, false)
				ks, err := jwks.New(ctx, srv.URL, jwks.Options{})
				require.NoError(t, err)
				t.Cleanup(func() { ks.Close() })
				srv.Close()
				cfg := base()
				cfg.Keys = ks
				return cfg, []string{srv.URL, strings.TrimPrefix(srv.URL, "http://")}
			},
			token:      func(t *testing.T) string { return rotated() },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "connection refused",
		},
		{
			name: "key refetch TLS failure",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				srv, st := jwksMirror(t, iss, true)
				ks, err := jwks.New(ctx, srv.URL, jwks.Options{HTTPClient: &http.Client{Transport: st}})
				require.NoError(t, err)
				t.Cleanup(func() { ks.Close() })
				st.broken.Store(true)
				cfg := base()
				cfg.Keys = ks
				return cfg, []string{srv.URL, strings.TrimPrefix(srv.URL, "https://")}
			},
			token:      func(t *testing.T) string { return rotated() },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "certificate",
		},
		{
			name: "introspection answered 503",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Introspector = introspector(t, iss.IntrospectionURL(), nil)
				iss.FailIntrospection(http.StatusServiceUnavailable)
				t.Cleanup(iss.Heal)
				return cfg, []string{iss.IntrospectionURL(), "upstream"}
			},
			token:      func(t *testing.T) string { return iss.OpaqueToken(nil) },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     iss.IntrospectionURL(),
		},
		{
			name: "JWT checked by introspection too, which is down",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Introspector = introspector(t, iss.IntrospectionURL(), nil)
				cfg.IntrospectJWTs = true
				iss.FailIntrospection(http.StatusBadGateway)
				t.Cleanup(iss.Heal)
				return cfg, []string{iss.IntrospectionURL(), "502"}
			},
			token:      func(t *testing.T) string { return iss.AccessToken(nil) },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "502",
		},
		{
			name: "introspection connection refused",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				dead := httptest.NewServer(http.NotFoundHandler())
				dead.Close()
				cfg := base()
				cfg.Introspector = introspector(t, dead.URL+"/oauth/introspect", nil)
				return cfg, []string{dead.URL, strings.TrimPrefix(dead.URL, "http://")}
			},
			token:      func(t *testing.T) string { return iss.OpaqueToken(nil) },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "connection refused",
		},
		{
			name: "introspection TLS failure",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				srv := httptest.NewTLSServer(http.NotFoundHandler())
				t.Cleanup(srv.Close)
				cfg := base()
				cfg.Introspector = introspector(t, srv.URL+"/oauth/introspect", &http.Client{Transport: &http.Transport{}})
				return cfg, []string{srv.URL, strings.TrimPrefix(srv.URL, "https://")}
			},
			token:      func(t *testing.T) string { return iss.OpaqueToken(nil) },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "certificate",
		},
		{
			name: "introspection refuses our credentials",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				c, err := introspect.NewClient(introspect.Config{
					Endpoint: iss.IntrospectionURL(), ClientID: "billing-api", ClientSecret: "wrong-secret-value",
				})
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() })
				cfg := base()
				cfg.Introspector = c
				return cfg, []string{iss.IntrospectionURL(), "billing-api", "wrong-secret-value", "401", "credentials"}
			},
			token:      func(t *testing.T) string { return iss.OpaqueToken(nil) },
			wantStatus: http.StatusServiceUnavailable,
			logHas:     "401",
		},
		{
			name: "introspection answer without aud",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Introspector = introspector(t, iss.IntrospectionURL(), nil)
				return cfg, nil
			},
			token:      func(t *testing.T) string { return iss.OpaqueToken(tokentest.Claims{"aud": tokentest.Omit}) },
			wantStatus: http.StatusUnauthorized,
			logHas:     "AllowIntrospectionWithoutAudience",
		},
		{
			name: "introspection answer for another API",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Introspector = introspector(t, iss.IntrospectionURL(), nil)
				return cfg, nil
			},
			token: func(t *testing.T) string {
				return iss.OpaqueToken(tokentest.Claims{"aud": "https://other-api.example"})
			},
			wantStatus: http.StatusUnauthorized,
			logHas:     secretAudience2,
		},
		{
			name: "introspection answer from another issuer",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Introspector = introspector(t, iss.IntrospectionURL(), nil)
				return cfg, nil
			},
			token: func(t *testing.T) string {
				return iss.OpaqueToken(tokentest.Claims{"iss": "https://elsewhere.example/"})
			},
			wantStatus: http.StatusUnauthorized,
			logHas:     iss.URL(),
		},
		{
			name:  "JWT for another API",
			setup: func(t *testing.T) (accesstoken.Config, []string) { return base(), nil },
			token: func(t *testing.T) string {
				return iss.AccessToken(tokentest.Claims{"aud": "https://other-api.example"})
			},
			wantStatus: http.StatusUnauthorized,
			logHas:     secretAudience,
		},
		{
			name:       "JWT without aud",
			setup:      func(t *testing.T) (accesstoken.Config, []string) { return base(), nil },
			token:      func(t *testing.T) string { return iss.AccessToken(tokentest.Claims{"aud": tokentest.Omit}) },
			wantStatus: http.StatusUnauthorized,
			logHas:     secretAudience,
		},
		{
			name:  "JWT from another issuer",
			setup: func(t *testing.T) (accesstoken.Config, []string) { return base(), nil },
			token: func(t *testing.T) string {
				return iss.AccessToken(tokentest.Claims{"iss": "https://elsewhere.example/"})
			},
			wantStatus: http.StatusUnauthorized,
			logHas:     iss.URL(),
		},
		{
			name:       "JWT without iss",
			setup:      func(t *testing.T) (accesstoken.Config, []string) { return base(), nil },
			token:      func(t *testing.T) string { return iss.AccessToken(tokentest.Claims{"iss": tokentest.Omit}) },
			wantStatus: http.StatusUnauthorized,
			logHas:     iss.URL(),
		},
		{
			name: "JWT algorithm not allowed",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Algorithms = []string{secretAlgorithm}
				return cfg, nil
			},
			token:      func(t *testing.T) string { return iss.AccessToken(nil) },
			wantStatus: http.StatusUnauthorized,
			logHas:     secretAlgorithm,
		},
		{
			name: "opaque token, no introspector configured",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				return base(), nil
			},
			token:      func(t *testing.T) string { return iss.OpaqueToken(nil) },
			wantStatus: http.StatusUnauthorized,
			logHas:     "Config.Introspector",
		},
		{
			name: "JWT, no keys configured",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Keys = nil
				cfg.Introspector = introspector(t, iss.IntrospectionURL(), nil)
				return cfg, nil
			},
			token:      func(t *testing.T) string { return iss.AccessToken(nil) },
			wantStatus: http.StatusUnauthorized,
			logHas:     "Config.Keys",
		},
		{
			name: "JWT addressed to its own client, which is this API's identifier",
			setup: func(t *testing.T) (accesstoken.Config, []string) {
				cfg := base()
				cfg.Audiences = append(cfg.Audiences, iss.ClientID())
				return cfg, nil
			},
			token:      func(t *testing.T) string { return iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}) },
			wantStatus: http.StatusUnauthorized,
			logHas:     "at+jwt",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, forbidden := tc.setup(t)
			v, err := accesstoken.NewValidator(cfg)
			require.NoError(t, err)
			var logs lockedBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := httptest.NewServer(middleware.New(v, middleware.Options{Logger: logger}).Handler(whoami))
			defer srv.Close()

			raw := tc.token(t)
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/appointments", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+raw)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode, "body: %s", body)

			told := resp.Status + "\n" + resp.Header.Get("WWW-Authenticate") + "\n" + string(body)
			common := []string{
				iss.URL(), strings.TrimPrefix(iss.URL(), "http://"), "127.0.0.1", "localhost",
				iss.JWKSURL(), iss.IntrospectionURL(),
				secretAudience, secretAudience2, secretAlgorithm,
				"Config", "Allow", "Options.", "dial", "connect", "refused", "x509", "certificate", "tls:", "TLS",
				"introspection endpoint", "jwks", "JWKS",
			}
			for _, s := range append(common, forbidden...) {
				assert.NotContains(t, told, s, "the client is told something about the server")
			}
			assert.NotContains(t, told, raw)
			if tc.wantStatus == http.StatusServiceUnavailable {
				assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			} else {
				assert.Contains(t, string(body), `"error":"invalid_token"`)
			}

			logged := logs.take()
			assert.Contains(t, logged, tc.logHas, "the operator's log line has the detail")
			assert.Contains(t, logged, "path=/appointments")
			assert.NotContains(t, logged, raw)
		})
	}
}
