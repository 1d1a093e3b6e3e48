package jwks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/token"
)

func TestURLRules(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https", "https://issuer.example.com/.well-known/jwks.json", false, true},
		{"https with a query", "https://issuer.example.com/jwks?tenant=1", false, true},
		{"http on 127.0.0.1", "http://127.0.0.1:8080/jwks", false, true},
		{"http on 127.1.2.3", "http://127.1.2.3/jwks", false, true},
		{"http on ::1", "http://[::1]:8080/jwks", false, true},
		{"http on localhost", "http://LocalHost:8080/jwks", false, true},
		{"http elsewhere with AllowInsecureHTTP", "http://issuer.internal/jwks", true, true},
		{"http elsewhere", "http://issuer.example.com/jwks", false, false},
		{"http on a name under localhost", "http://evil.localhost/jwks", false, false},
		{"http on a private address", "http://10.0.0.1/jwks", false, false},
		{"ftp", "ftp://issuer.example.com/jwks", false, false},
		{"ftp even with AllowInsecureHTTP", "ftp://issuer.example.com/jwks", true, false},
		{"relative", "/jwks", false, false},
		{"no host", "https:///jwks", false, false},
		{"opaque", "https:issuer.example.com", false, false},
		{"user credentials", "https://user:pw@issuer.example.com/jwks", false, false},
		{"fragment", "https://issuer.example.com/jwks#x", false, false},
		{"empty", "", false, false},
		{"not a URL", "https://issuer.example.com/%zz", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checkURL(tc.url, "JWKS URL", tc.allowHTTP)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrURL)
			assert.NotContains(t, err.Error(), "pw@", "credentials stay out of messages")
		})
	}
}

func TestNewRefusesHTTPWithoutARequest(t *testing.T) {
	var rt countingTransport
	r, err := New(context.Background(), "http://issuer.example.com/jwks", Options{HTTPClient: &http.Client{Transport: &rt}})
	closeIfMade(t, r)
	require.ErrorIs(t, err, ErrURL)
	assert.NotErrorIs(t, err, token.ErrUnavailable)
	assert.Contains(t, err.Error(), "Options.AllowInsecureHTTP")
	assert.Zero(t, rt.n())
}

func TestAllowHTTPReachesTheNetwork(t *testing.T) {
	// The request is answered by a transport, not the network.
	failing := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("no route to host")
	})
	r, err := New(context.Background(), "http://issuer.internal/jwks", Options{AllowInsecureHTTP: true, HTTPClient: &http.Client{Transport: failing}})
	closeIfMade(t, r)
	require.ErrorIs(t, err, token.ErrUnavailable)
	assert.NotErrorIs(t, err, ErrURL)
	assert.Contains(t, err.Error(), "no route to host")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRedirects(t *testing.T) {
	doc := jwksDoc(t, ecJWK("a", 0))
	other := newJWKSServer(t, doc)
	tests := []struct {
		name   string
		target func(srv *httptest.Server) string
		ok     bool
	}{
		{"same host", func(srv *httptest.Server) string { return srv.URL + "/keys" }, true},
		{"relative", func(*httptest.Server) string { return "/keys" }, true},
		{"another port", func(*httptest.Server) string { return other.URL + "/keys" }, false},
		{"another host name", func(srv *httptest.Server) string {
			return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/keys"
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/keys" {
					w.Write(doc)
					return
				}
				http.Redirect(w, r, tc.target(srv), http.StatusFound)
			}))
			defer srv.Close()
			before := other.count()
			r, err := New(context.Background(), srv.URL+"/jwks", Options{})
			closeIfMade(t, r)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, token.ErrUnavailable)
			require.ErrorIs(t, err, ErrRedirect)
			assert.Equal(t, before, other.count(), "the redirect is not followed")
		})
	}
}

func TestCheckRedirect(t *testing.T) {
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		return &http.Request{URL: u}
	}
	tests := []struct {
		name     string
		from, to string
		hops     int
		ok       bool
	}{
		{"same host and path change", "https://a.example/x", "https://a.example/y", 1, true},
		{"explicit default port", "https://a.example/x", "https://A.EXAMPLE:443/y", 1, true},
		{"http upgraded on the same port", "http://127.0.0.1:8080/x", "https://127.0.0.1:8080/y", 1, true},
		{"another host", "https://a.example/x", "https://b.example/x", 1, false},
		{"subdomain", "https://a.example/x", "https://evil.a.example/x", 1, false},
		{"another port", "https://a.example/x", "https://a.example:8443/x", 1, false},
		{"downgrade", "https://a.example:443/x", "http://a.example:443/x", 1, false},
		{"too many", "https://a.example/x", "https://a.example/y", maxRedirects, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			via := make([]*http.Request, tc.hops)
			for i := range via {
				via[i] = req(tc.from)
			}
			err := checkRedirect(req(tc.to), via)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrRedirect)
			}
		})
	}
}

// TestURLErrorsHideQuery: a JWKS URL may carry an API key in its query; a
// refusal names the URL without it.
func TestURLErrorsHideQuery(t *testing.T) {
	for _, raw := range []string{
		"http://keys.example.com/jwks.json?api_key=s3cret",
		"ftp://keys.example.com/jwks.json?api_key=s3cret",
		"https://keys.example.com/jwks.json?api_key=s3cret#frag",
		"/relative/jwks.json?api_key=s3cret",
		"https://keys.example.com/%zz?api_key=s3cret",
	} {
		_, err := checkURL(raw, "JWKS URL", false)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if !errors.Is(err, ErrURL) {
			t.Errorf("%q: %v does not match ErrURL", raw, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: error shows the query: %v", raw, err)
		}
	}
}
