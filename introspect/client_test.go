package introspect

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

const (
	testToken  = "opaque-TOKEN-value-1234567890"
	testID     = "resource-server"
	testSecret = "s3cr3t-VALUE-abcdef"
)

// captured is what the fake endpoint saw of one request.
type captured struct {
	method        string
	contentType   string
	accept        string
	authorization string
	form          url.Values
	rawBody       string
}

// endpoint starts a loopback introspection endpoint that records each
// request and answers with handler (or a fixed active answer).
func endpoint(t testing.TB, handler http.HandlerFunc) (*httptest.Server, func() []captured) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []captured
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		seen = append(seen, captured{
			method:        r.Method,
			contentType:   r.Header.Get("Content-Type"),
			accept:        r.Header.Get("Accept"),
			authorization: r.Header.Get("Authorization"),
			form:          form,
			rawBody:       string(body),
		})
		mu.Unlock()
		if handler != nil {
			handler(w, r)
			return
		}
		writeJSON(w, http.StatusOK, `{"active":true,"scope":"read","sub":"user-1"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), seen...)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.ClientID == "" && cfg.AuthMethod != AuthBearer {
		cfg.ClientID = testID
	}
	if cfg.ClientSecret == "" && cfg.AuthMethod != AuthBearer {
		cfg.ClientSecret = testSecret
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c
}

// assertUnavailable checks that err is an operator-facing unavailability
// that leaks neither the token nor a secret.
func assertUnavailable(t *testing.T, err error, mentions ...string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, token.ErrUnavailable)
	for _, s := range []error{token.ErrInactive, token.ErrMalformed, token.ErrInvalidClaim} {
		assert.NotErrorIs(t, err, s)
	}
	msg := err.Error()
	for _, secret := range []string{testToken, testSecret, url.QueryEscape(testSecret)} {
		assert.NotContains(t, msg, secret, "error message leaks a secret")
	}
	for _, m := range mentions {
		assert.Contains(t, msg, m)
	}
}

func TestClientRequestClientSecretBasic(t *testing.T) {
	srv, seen := endpoint(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.URL + "/introspect"})
	r, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.True(t, r.Active)
	assert.Equal(t, "user-1", r.Subject)

	reqs := seen()
	require.Len(t, reqs, 1)
	got := reqs[0]
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "application/x-www-form-urlencoded", got.contentType)
	assert.Equal(t, "application/json", got.accept)
	assert.Equal(t, url.Values{"token": {testToken}, "token_type_hint": {"access_token"}}, got.form,
		"the body holds only the token and its hint; credentials travel in the header")
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(testID+":"+testSecret)), got.authorization)
}

// RFC 6749 §2.3.1: the client identifier and secret are encoded with
// application/x-www-form-urlencoded before being used as the Basic user and
// password, so a ':' in the identifier cannot split it and non-ASCII
// survives.
func TestClientSecretBasicFormEncodesCredentials(t *testing.T) {
	tests := []struct {
		id, secret string
		wantPair   string // user:password before base64, as RFC 6749 requires
	}{
		{"plain-id_1.0~", "Plain-Secret_1.0~", "plain-id_1.0~:Plain-Secret_1.0~"},
		{"a b", "c:d", "a+b:c%3Ad"},
		{"client:id", "p@ss/w+rd&=%", "client%3Aid:p%40ss%2Fw%2Brd%26%3D%25"},
		{"clïent", "sécret", "cl%C3%AFent:s%C3%A9cret"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			srv, seen := endpoint(t, nil)
			c := newTestClient(t, Config{Endpoint: srv.URL, ClientID: tt.id, ClientSecret: tt.secret})
			_, err := c.Introspect(context.Background(), testToken)
			require.NoError(t, err)
			got := seen()[0].authorization
			assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(tt.wantPair)), got)

			// A server decoding per RFC 6749 gets the originals back.
			req := &http.Request{Header: http.Header{"Authorization": {got}}}
			user, pass, ok := req.BasicAuth()
			require.True(t, ok)
			id, err := url.QueryUnescape(user)
			require.NoError(t, err)
			secret, err := url.QueryUnescape(pass)
			require.NoError(t, err)
			assert.Equal(t, tt.id, id)
			assert.Equal(t, tt.secret, secret)
		})
	}
}

func TestClientRequestClientSecretPost(t *testing.T) {
	srv, seen := endpoint(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.URL, AuthMethod: AuthClientSecretPost, ClientID: "id with space", ClientSecret: "se:cr&et="})
	_, err := c.Introspect(context.Background(), "tok+with/special=chars")
	require.NoError(t, err)
	got := seen()[0]
	assert.Empty(t, got.authorization)
	assert.Equal(t, url.Values{
		"token":           {"tok+with/special=chars"},
		"token_type_hint": {"access_token"},
		"client_id":       {"id with space"},
		"client_secret":   {"se:cr&et="},
	}, got.form)
}

func TestClientRequestBearer(t *testing.T) {
	srv, seen := endpoint(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.URL, AuthMethod: AuthBearer, BearerToken: "api-access-token.abc=="})
	_, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	got := seen()[0]
	assert.Equal(t, "Bearer api-access-token.abc==", got.authorization)
	assert.Equal(t, url.Values{"token": {testToken}, "token_type_hint": {"access_token"}}, got.form)
}

func TestClientEmptyTokenIsInactiveWithoutRequest(t *testing.T) {
	srv, seen := endpoint(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.URL})
	r, err := c.Introspect(context.Background(), "")
	require.NoError(t, err)
	assert.False(t, r.Active)
	assert.Empty(t, seen())
}

func TestClientAnswers(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		active bool
	}{
		{"active", `{"active":true,"sub":"u"}`, true},
		{"inactive", `{"active":false}`, false},
		{"active as string", `{"active":"true","sub":"u"}`, false},
		{"active as 1", `{"active":1,"sub":"u"}`, false},
		{"active missing", `{"sub":"u"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, tt.body)
			})
			c := newTestClient(t, Config{Endpoint: srv.URL})
			r, err := c.Introspect(context.Background(), testToken)
			require.NoError(t, err, "an inactive answer is not an error")
			assert.Equal(t, tt.active, r.Active)
		})
	}
}

func TestClientContentTypeWithCharsetAccepted(t *testing.T) {
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_, _ = io.WriteString(w, `{"active":true}`)
	})
	r, err := newTestClient(t, Config{Endpoint: srv.URL}).Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.True(t, r.Active)
}

// Every way of failing to get an answer is token.ErrUnavailable with a
// message that tells the operator what to look at, and never the token's
// fault.
func TestClientFailuresAreUnavailable(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		mentions []string
	}{
		{
			name:     "401 means our credentials",
			handler:  func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 401, `{"error":"invalid_client"}`) },
			mentions: []string{"HTTP 401", "own credentials", "Config.ClientSecret", `"invalid_client"`, "token itself was not judged"},
		},
		{
			name:     "403 means our credentials",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) },
			mentions: []string{"HTTP 403", "own credentials", "Config.ClientID"},
		},
		{
			name: "server echoing secrets in its error is redacted",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 401, `{"error":"invalid_client","error_description":"bad secret `+testSecret+` for token `+testToken+`"}`)
			},
			mentions: []string{"[redacted]", "own credentials"},
		},
		{
			name:     "400",
			handler:  func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, `{"error":"invalid_request"}`) },
			mentions: []string{"HTTP 400", `"invalid_request"`, "expected 200"},
		},
		{
			name:     "400 unsupported_token_type for an opaque token",
			handler:  func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, `{"error":"unsupported_token_type"}`) },
			mentions: []string{"HTTP 400", `"unsupported_token_type"`, "does not introspect this kind of token", "revocation endpoint", "token_type_hint=access_token"},
		},
		{
			name:     "404",
			handler:  http.NotFound,
			mentions: []string{"HTTP 404", "Config.Endpoint"},
		},
		{
			name:     "429",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) },
			mentions: []string{"HTTP 429", "overloaded"},
		},
		{
			name:     "500",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
			mentions: []string{"HTTP 500", "failing"},
		},
		{
			name:     "503",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) },
			mentions: []string{"HTTP 503"},
		},
		{
			name: "redirect is not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					writeJSON(w, 200, `{"active":true}`)
					return
				}
				http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
			},
			mentions: []string{"HTTP 307", "/elsewhere", "redirects are not followed"},
		},
		{
			name: "wrong content type",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, `<html>login</html>`)
			},
			mentions: []string{`"text/html"`, "application/json"},
		},
		{
			name: "JWT answer content type",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/token-introspection+jwt")
				_, _ = io.WriteString(w, `eyJ.eyJ.sig`)
			},
			mentions: []string{"application/token-introspection+jwt"},
		},
		{
			name: "no content type",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				_, _ = io.WriteString(w, `{"active":true}`)
			},
			mentions: []string{"without a Content-Type"},
		},
		{
			name:     "malformed JSON",
			handler:  func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"active":true,`) },
			mentions: []string{"not a strict JSON object"},
		},
		{
			name:     "duplicate members",
			handler:  func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"active":false,"active":true}`) },
			mentions: []string{"duplicate member name", "not a strict JSON object"},
		},
		{
			name:     "wrong member type",
			handler:  func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"active":true,"exp":"tomorrow"}`) },
			mentions: []string{`"exp"`, "unusable", "RFC 7662"},
		},
		{
			name: "connection drops mid-body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(200)
				_, _ = io.WriteString(w, `{"active":`)
			},
			mentions: []string{"failed while sending its answer"},
		},
		{
			name: "declared length over the cap",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "1000000")
				w.WriteHeader(200)
				_, _ = io.WriteString(w, `{"active":true}`)
			},
			mentions: []string{"more than 65536 bytes", "Config.MaxResponseSize"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := endpoint(t, tt.handler)
			c := newTestClient(t, Config{Endpoint: srv.URL + "/introspect"})
			r, err := c.Introspect(context.Background(), testToken)
			assert.Nil(t, r)
			assertUnavailable(t, err, append(tt.mentions, srv.URL)...)
		})
	}
}

// Some servers refuse to introspect JWTs (accesstoken.Config.IntrospectJWTs
// sends them): the operator is told that, not to check the endpoint and the
// authentication method.
func TestClientUnsupportedTokenTypeForJWT(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"error":"unsupported_token_type","error_description":"JWT access tokens cannot be introspected"}`)
	})
	c := newTestClient(t, Config{Endpoint: srv.URL})
	_, err := c.Introspect(context.Background(), jwt)
	assertUnavailable(t, err, `"unsupported_token_type"`, "JWT access tokens cannot be introspected",
		"This token is a JWT", "accesstoken.Config.IntrospectJWTs", "turn it off")
	assert.NotContains(t, err.Error(), "check Config.Endpoint and Config.AuthMethod")
	for _, part := range strings.Split(jwt, ".") {
		assert.NotContains(t, err.Error(), part, "the message must not echo the token")
	}
}

func TestClientConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	c := newTestClient(t, Config{Endpoint: u})
	_, err := c.Introspect(context.Background(), testToken)
	assertUnavailable(t, err, "could not be reached", u)
}

// A hostile endpoint streaming an endless body costs at most
// MaxResponseSize of reading.
func TestClientHugeBodyIsCapped(t *testing.T) {
	const limit = 1 << 10
	var written atomic.Int64
	done := make(chan struct{})
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		chunk := bytes.Repeat([]byte(" "), 32<<10)
		_, _ = w.Write([]byte(`{"active":true,"x":"`))
		for written.Load() < 256<<20 {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	c := newTestClient(t, Config{Endpoint: srv.URL, MaxResponseSize: limit})
	_, err := c.Introspect(context.Background(), testToken)
	assertUnavailable(t, err, "more than 1024 bytes", "Config.MaxResponseSize")
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server is still streaming: the client did not close the connection")
	}
	assert.Less(t, written.Load(), int64(256<<20), "the client read the whole stream")
}

func TestClientBodyAtTheCapIsRead(t *testing.T) {
	body := `{"active":true,"x":"` + strings.Repeat("a", 100) + `"}`
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body) })
	c := newTestClient(t, Config{Endpoint: srv.URL, MaxResponseSize: int64(len(body))})
	r, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.True(t, r.Active)

	c = newTestClient(t, Config{Endpoint: srv.URL, MaxResponseSize: int64(len(body) - 1)})
	_, err = c.Introspect(context.Background(), testToken)
	assertUnavailable(t, err, "Config.MaxResponseSize")
}

func TestClientSlowServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
		{"headers then a stalled body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"active":`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := endpoint(t, tt.handler)
			c := newTestClient(t, Config{Endpoint: srv.URL, Timeout: 50 * time.Millisecond})
			start := time.Now()
			_, err := c.Introspect(context.Background(), testToken)
			assertUnavailable(t, err, "within 50ms", "Config.Timeout")
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestClientCallerContextEnds(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	c := newTestClient(t, Config{Endpoint: srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Introspect(ctx, testToken)
	assertUnavailable(t, err, "caller's context ended")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = c.Introspect(ctx, testToken)
	assertUnavailable(t, err, "caller's context ended")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestClientOverTLSWithGivenHTTPClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/introspect" {
			writeJSON(w, 200, `{"active":true,"sub":"wrong place"}`)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	hc := srv.Client()
	c := newTestClient(t, Config{Endpoint: srv.URL + "/introspect", HTTPClient: hc})
	_, err := c.Introspect(context.Background(), testToken)
	assertUnavailable(t, err, "HTTP 302", "redirects are not followed")
	assert.Nil(t, hc.CheckRedirect, "the caller's http.Client is not modified")

	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"active":true}`) })
	r, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.True(t, r.Active)
}

func TestNewClientConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		mention string
	}{
		{"no endpoint", Config{ClientID: "a", ClientSecret: "b"}, "Config.Endpoint is required"},
		{"relative endpoint", Config{Endpoint: "/introspect", ClientID: "a", ClientSecret: "b"}, "absolute URL"},
		{"no scheme", Config{Endpoint: "issuer.example.com/introspect", ClientID: "a", ClientSecret: "b"}, "absolute URL"},
		{"http off loopback", Config{Endpoint: "http://issuer.example.com/introspect", ClientID: "a", ClientSecret: "b"}, "AllowInsecureHTTP"},
		{"other scheme", Config{Endpoint: "ftp://issuer.example.com/introspect", ClientID: "a", ClientSecret: "b"}, "must use https"},
		{"user info", Config{Endpoint: "https://u:p@issuer.example.com/introspect", ClientID: "a", ClientSecret: "b"}, "must not carry user credentials"},
		{"fragment", Config{Endpoint: "https://issuer.example.com/introspect#x", ClientID: "a", ClientSecret: "b"}, "fragment"},
		{"unparsable", Config{Endpoint: "https://issuer.example.com/%zz", ClientID: "a", ClientSecret: "b"}, "not a URL"},
		{"basic without id", Config{Endpoint: "https://i.example/", ClientSecret: "b"}, "Config.ClientID is required"},
		{"basic without secret", Config{Endpoint: "https://i.example/", ClientID: "a"}, "Config.ClientSecret is required"},
		{"post without secret", Config{Endpoint: "https://i.example/", AuthMethod: AuthClientSecretPost, ClientID: "a"}, "Config.ClientSecret is required"},
		{"basic with a bearer token", Config{Endpoint: "https://i.example/", ClientID: "a", ClientSecret: "b", BearerToken: "c"}, "BearerToken is set"},
		{"bearer without token", Config{Endpoint: "https://i.example/", AuthMethod: AuthBearer}, "Config.BearerToken is required"},
		{"bearer with a secret", Config{Endpoint: "https://i.example/", AuthMethod: AuthBearer, BearerToken: "t", ClientSecret: "s"}, "ClientSecret is set"},
		{"bearer with a newline", Config{Endpoint: "https://i.example/", AuthMethod: AuthBearer, BearerToken: "t\r\nX-Evil: 1"}, "may not contain"},
		{"bearer with a space", Config{Endpoint: "https://i.example/", AuthMethod: AuthBearer, BearerToken: "a b"}, "may not contain"},
		{"bearer only padding", Config{Endpoint: "https://i.example/", AuthMethod: AuthBearer, BearerToken: "=="}, "may not contain"},
		{"unknown method", Config{Endpoint: "https://i.example/", AuthMethod: "private_key_jwt", ClientID: "a", ClientSecret: "b"}, `"private_key_jwt" is not supported`},
		{"negative timeout", Config{Endpoint: "https://i.example/", ClientID: "a", ClientSecret: "b", Timeout: -1}, "Config.Timeout"},
		{"negative size", Config{Endpoint: "https://i.example/", ClientID: "a", ClientSecret: "b", MaxResponseSize: -1}, "Config.MaxResponseSize"},
		{"negative concurrency", Config{Endpoint: "https://i.example/", ClientID: "a", ClientSecret: "b", MaxConcurrentRequests: -1}, "Config.MaxConcurrentRequests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cfg)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.mention)
			if tt.cfg.ClientSecret != "" && len(tt.cfg.ClientSecret) > 1 {
				assert.NotContains(t, err.Error(), tt.cfg.ClientSecret)
			}
		})
	}
}

func TestNewClientAcceptsEndpoints(t *testing.T) {
	tests := []struct {
		endpoint  string
		allowHTTP bool
	}{
		{"https://issuer.example.com/oauth/introspect", false},
		{"https://issuer.example.com/introspect?tenant=a", false},
		{"http://127.0.0.1:8080/introspect", false},
		{"http://127.9.9.9/introspect", false},
		{"http://[::1]:8080/introspect", false},
		{"http://localhost:8080/introspect", false},
		{"http://issuer.internal/introspect", true},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			c, err := NewClient(Config{Endpoint: tt.endpoint, ClientID: "a", ClientSecret: "b", AllowInsecureHTTP: tt.allowHTTP})
			require.NoError(t, err)
			assert.Equal(t, tt.endpoint, c.Endpoint())
		})
	}
}

func TestClientDefaults(t *testing.T) {
	c := newTestClient(t, Config{Endpoint: "https://i.example/"})
	assert.Equal(t, DefaultTimeout, c.timeout)
	assert.Equal(t, int64(DefaultMaxResponseSize), c.maxSize)
	assert.Equal(t, AuthClientSecretBasic, c.creds.method)
	require.NotNil(t, c.http.CheckRedirect)
	tr, ok := c.http.Transport.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, int64(maxResponseHeaderBytes), tr.MaxResponseHeaderBytes)
}

func TestClientQueryInEndpointIsKept(t *testing.T) {
	var gotQuery string
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		writeJSON(w, 200, `{"active":false}`)
	})
	c := newTestClient(t, Config{Endpoint: srv.URL + "/introspect?tenant=a"})
	_, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.Equal(t, "tenant=a", gotQuery, "the token goes in the body, never the query")
}

func TestClientLogsWithoutSecrets(t *testing.T) {
	var answer atomic.Value
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		s := answer.Load().(string)
		if s == "500" {
			w.WriteHeader(500)
			return
		}
		writeJSON(w, 200, s)
	})
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Config{Endpoint: srv.URL, Logger: logger})

	for _, tt := range []struct{ answer, level, mention string }{
		{`{"active":true}`, "DEBUG", "active=true"},
		{`{"active":"true"}`, "WARN", "not the JSON boolean"},
		{`{"sub":"x"}`, "WARN", `no \"active\" member`},
		{"500", "WARN", "introspection failed"},
	} {
		buf.Reset()
		answer.Store(tt.answer)
		_, _ = c.Introspect(context.Background(), testToken)
		out := buf.String()
		assert.Contains(t, out, "level="+tt.level, out)
		assert.Contains(t, out, tt.mention, out)
		assert.Contains(t, out, srv.URL)
		assert.NotContains(t, out, testToken)
		assert.NotContains(t, out, testSecret)
	}
}

func TestUnavailableMessagesNameTheEndpoint(t *testing.T) {
	// The first words of every client failure say which endpoint failed, so
	// a log line alone is enough to act on.
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) })
	c := newTestClient(t, Config{Endpoint: srv.URL})
	_, err := c.Introspect(context.Background(), testToken)
	var ve *token.ValidationError
	require.True(t, errors.As(err, &ve))
	assert.True(t, strings.HasPrefix(ve.Detail, fmt.Sprintf("introspection endpoint %s ", srv.URL)), ve.Detail)
	assert.NotContains(t, ve.Description(), srv.URL, "the endpoint is for the log, not for the client")
}

// An endpoint may carry an API key in its query. No error message and no
// log line may repeat it, whatever fails; they name the endpoint with its
// query shown as "?...".
func TestClientEndpointQueryNeverShown(t *testing.T) {
	const apiKey = "s3cret"
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name    string
		handler http.HandlerFunc // nil: the endpoint is unreachable
		mention string
	}{
		{"unreachable", nil, "could not be reached"},
		{"server error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, "HTTP 500"},
		{"redirect echoing the URL", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+r.URL.RequestURI(), http.StatusFound)
		}, "redirects are not followed"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>")
		}, "Content-Type"},
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"active":`) }, "introspection endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := closedURL
			if tt.handler != nil {
				srv, _ := endpoint(t, tt.handler)
				base = srv.URL
			}
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := newTestClient(t, Config{Endpoint: base + "/introspect?api_key=" + apiKey, Logger: logger})
			_, err := c.Introspect(context.Background(), testToken)
			assertUnavailable(t, err, tt.mention, base+"/introspect?...")
			assert.NotContains(t, err.Error(), apiKey)
			assert.Contains(t, buf.String(), "introspection failed")
			assert.NotContains(t, buf.String(), apiKey)
		})
	}

	for _, endpoint := range []string{
		"http://issuer.example.com/introspect?api_key=" + apiKey,
		"https://issuer.example.com/introspect?api_key=" + apiKey + "#x",
		"ftp://issuer.example.com/introspect?api_key=" + apiKey,
		"issuer.example.com/introspect?api_key=" + apiKey,
		"https://issuer.example.com/%zz?api_key=" + apiKey,
	} {
		_, err := NewClient(Config{Endpoint: endpoint, ClientID: testID, ClientSecret: testSecret})
		require.Error(t, err, endpoint)
		assert.NotContains(t, err.Error(), apiKey)
	}
}

// A server that echoes this resource server's Authorization header in its
// error (some debug or proxy error pages do) must not put the credentials,
// which base64 merely encodes, into an error message or a log line.
func TestClientEchoedAuthorizationIsRedacted(t *testing.T) {
	for _, method := range []AuthMethod{AuthClientSecretBasic, AuthBearer} {
		t.Run(string(method), func(t *testing.T) {
			srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 401, `{"error":"invalid_client","error_description":"bad header `+r.Header.Get("Authorization")+`"}`)
			})
			cfg := Config{Endpoint: srv.URL, AuthMethod: method}
			if method == AuthBearer {
				cfg.BearerToken = "rs-bearer-credential-0123456789"
			}
			c := newTestClient(t, cfg)
			_, err := c.Introspect(context.Background(), testToken)
			assertUnavailable(t, err, "own credentials", "[redacted]")
			basic := base64.StdEncoding.EncodeToString([]byte(testID + ":" + testSecret))
			assert.NotContains(t, err.Error(), basic)
			assert.NotContains(t, err.Error(), "rs-bearer-credential-0123456789")
		})
	}
}
