package tokentest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// get fetches url with the issuer's client and returns the status, headers
// and body.
func get(t *testing.T, iss *tokentest.Issuer, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := iss.HTTPClient().Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

func TestDiscoveryDocument(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES256"))
	for _, url := range []string{iss.DiscoveryURL(), iss.URL() + "/.well-known/oauth-authorization-server"} {
		status, h, body := get(t, iss, url)
		require.Equal(t, http.StatusOK, status, url)
		assert.Equal(t, "application/json", h.Get("Content-Type"))
		var doc struct {
			Issuer                 string   `json:"issuer"`
			JWKSURI                string   `json:"jwks_uri"`
			Introspection          string   `json:"introspection_endpoint"`
			Authorization          string   `json:"authorization_endpoint"`
			TokenEndpoint          string   `json:"token_endpoint"`
			IDTokenAlgs            []string `json:"id_token_signing_alg_values_supported"`
			ResponseTypes          []string `json:"response_types_supported"`
			SubjectTypes           []string `json:"subject_types_supported"`
			IntrospectionAuthMeths []string `json:"introspection_endpoint_auth_methods_supported"`
		}
		require.NoError(t, json.Unmarshal(body, &doc))
		assert.Equal(t, iss.URL(), doc.Issuer)
		assert.Equal(t, iss.JWKSURL(), doc.JWKSURI)
		assert.Equal(t, iss.IntrospectionURL(), doc.Introspection)
		assert.NotEmpty(t, doc.Authorization)
		assert.NotEmpty(t, doc.TokenEndpoint)
		assert.Equal(t, []string{"ES256"}, doc.IDTokenAlgs)
		assert.Contains(t, doc.ResponseTypes, "code")
		assert.Equal(t, []string{"public"}, doc.SubjectTypes)
		assert.ElementsMatch(t, []string{"client_secret_basic", "client_secret_post"}, doc.IntrospectionAuthMeths)
	}
	assert.Equal(t, 2, iss.DiscoveryRequests())
	assert.Equal(t, 0, iss.JWKSRequests())
}

func TestJWKSDocument(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg, func(t *testing.T) {
			iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm(alg))
			status, h, body := get(t, iss, iss.JWKSURL())
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, "max-age=300", h.Get("Cache-Control"))
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			set, err := token.ParseKeySet(body)
			require.NoError(t, err)
			assert.Empty(t, set.Skipped())
			require.Equal(t, 1, set.Len())
			k := set.Keys()[0]
			assert.Equal(t, iss.KeyID(), k.ID())
			assert.Equal(t, alg, k.Algorithm())
			assert.True(t, k.Equal(iss.KeySet().Keys()[0]), "the served key is the published key")

			var raw struct {
				Keys []map[string]any `json:"keys"`
			}
			require.NoError(t, json.Unmarshal(body, &raw))
			assert.Equal(t, "sig", raw.Keys[0]["use"])
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				assert.NotContains(t, raw.Keys[0], private, "no private key material")
			}

			// The JWKS verifies the issuer's tokens.
			v, err := token.NewVerifier(token.VerifierConfig{Issuer: iss.URL(), Keys: staticSource{set}, Algorithms: []string{alg}})
			require.NoError(t, err)
			_, err = v.Verify(context.Background(), iss.AccessToken(nil))
			require.NoError(t, err)
		})
	}
}

type staticSource struct{ set *token.KeySet }

func (s staticSource) Keys(context.Context, string) (*token.KeySet, error) { return s.set, nil }

func TestWrongMethods(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	tests := []struct {
		method, url, allow string
	}{
		{http.MethodPost, iss.JWKSURL(), "GET, HEAD"},
		{http.MethodDelete, iss.DiscoveryURL(), "GET, HEAD"},
		{http.MethodGet, iss.IntrospectionURL(), "POST"},
		{http.MethodPut, iss.IntrospectionURL(), "POST"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, tt.url, nil)
		require.NoError(t, err)
		resp, err := iss.HTTPClient().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s %s", tt.method, tt.url)
		assert.Equal(t, tt.allow, resp.Header.Get("Allow"))
	}
}

func TestFailJWKSAndHeal(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	iss.FailJWKS(http.StatusServiceUnavailable)
	status, h, body := get(t, iss, iss.JWKSURL())
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Less(t, len(body), 512, "a small body")
	assert.Equal(t, "no-store", h.Get("Cache-Control"), "a failure is not to be cached")
	status, _, _ = get(t, iss, iss.DiscoveryURL())
	assert.Equal(t, http.StatusServiceUnavailable, status, "discovery fails with the JWKS")

	iss.FailJWKS(http.StatusOK)
	status, _, body = get(t, iss, iss.JWKSURL())
	assert.Equal(t, http.StatusOK, status)
	_, err := token.ParseKeySet(body)
	assert.True(t, errors.Is(err, token.ErrMalformed), "200 with a body that is no key set: %v", err)

	iss.Heal()
	status, _, body = get(t, iss, iss.JWKSURL())
	assert.Equal(t, http.StatusOK, status)
	set, err := token.ParseKeySet(body)
	require.NoError(t, err)
	assert.Equal(t, 1, set.Len())
	status, _, _ = get(t, iss, iss.DiscoveryURL())
	assert.Equal(t, http.StatusOK, status)

	assert.Equal(t, 3, iss.JWKSRequests(), "failed requests count too")
	assert.Equal(t, 2, iss.DiscoveryRequests())
}

func TestInvalidFailureStatusIsReported(t *testing.T) {
	rec := &recorder{TB: t}
	iss := tokentest.NewIssuer(rec)
	for _, status := range []int{0, 99, 101, 600, -1} {
		rec.errors = nil
		iss.FailJWKS(status)
		iss.FailIntrospection(status)
		assert.Len(t, rec.errors, 2, "status %d", status)
	}
	code, _, _ := get(t, iss, iss.JWKSURL())
	assert.Equal(t, http.StatusOK, code, "an invalid status changes nothing")
}

// The client gives up on a slow JWKS endpoint; the handler watches the
// request's context, so nothing hangs.
func TestSlowJWKS(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	iss.SlowJWKS(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the request is on the wire: the answer can only come
	// after an hour, so the client must see its own cancellation.
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, iss.JWKSURL(), nil)
	require.NoError(t, err)
	_, err = iss.HTTPClient().Do(req)
	require.ErrorIs(t, err, context.Canceled)

	iss.Heal()
	status, _, _ := get(t, iss, iss.JWKSURL())
	assert.Equal(t, http.StatusOK, status)
}

// A request still waiting on a slow endpoint when the test ends is answered
// (or its connection closed) by the cleanup, which does not wait for it.
func TestCleanupReleasesSlowRequests(t *testing.T) {
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 2)
	t.Run("issuer", func(t *testing.T) {
		iss := tokentest.NewIssuer(t)
		iss.SlowJWKS(time.Hour)
		iss.SlowIntrospection(time.Hour)
		client := iss.HTTPClient()
		for _, url := range []string{iss.JWKSURL(), iss.IntrospectionURL()} {
			sent := make(chan struct{})
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(sent) }})
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			require.NoError(t, err)
			go func() {
				resp, err := client.Do(req)
				if err != nil {
					done <- result{err: err}
					return
				}
				resp.Body.Close()
				done <- result{status: resp.StatusCode}
			}()
			<-sent
		}
	})
	for range 2 {
		r := <-done
		if r.err == nil {
			assert.Equal(t, http.StatusServiceUnavailable, r.status)
		}
	}
}
