package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
)

// Tokens the fake validator knows.
const (
	goodToken        = "good-token.payload.sig"
	adminToken       = "admin-token"
	paddedToken      = "a-b.c_d~e+f/g=="
	expiredToken     = "expired-token"
	unavailableToken = "unavailable-token"
	leakyToken       = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFreSJ9.c2lnbmF0dXJlLWJ5dGVz"
	plainErrToken    = "plain-error-token"
	nilToken         = "nil-and-nil-token"
)

// fakeValidator answers by token: it is the Validator of every test that
// is not an integration test.
var fakeValidator = middleware.ValidatorFunc(func(_ context.Context, raw string) (*accesstoken.Token, error) {
	switch raw {
	case goodToken, paddedToken:
		return &accesstoken.Token{Subject: "user-1", Scopes: []string{"read:appointments"},
			Permissions: []string{"read:appointments"}, Raw: raw}, nil
	case adminToken:
		return &accesstoken.Token{Subject: "admin-1", Scopes: []string{"read:appointments", "write:appointments"},
			Permissions: []string{"read:appointments", "write:appointments"}, Raw: raw}, nil
	case expiredToken:
		return nil, token.Errorf(token.ErrExpired, "exp", "expired at 2025-01-01T00:00:00Z, 1h0m0s ago")
	case unavailableToken:
		return nil, &token.ValidationError{Kind: token.ErrUnavailable, Reason: "introspection endpoint answered 503",
			Err: errors.New("connection refused")}
	case leakyToken:
		// A careless validator that echoes the token and its parts.
		return nil, token.Errorf(token.ErrSignature, "", "signature %s of %s does not verify",
			strings.Split(raw, ".")[2], raw)
	case plainErrToken:
		return nil, errors.New("some internal failure with " + raw)
	case nilToken:
		return nil, nil
	}
	return nil, token.Errorf(token.ErrMalformed, "", "the token is not a compact JWS")
})

// whoami is the protected handler: it reports the subject of the token in
// its context, and the form field "note" when there is one.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	tok, ok := middleware.TokenFrom(r.Context())
	sub := "anonymous"
	if ok {
		sub = "sub=" + tok.Subject
	}
	if note := r.PostFormValue("note"); note != "" {
		sub += " note=" + note
	}
	_, _ = io.WriteString(w, sub)
})

// request describes one client request.
type request struct {
	method      string
	target      string // path and query
	auth        []string
	headers     map[string]string
	contentType string
	body        string
}

// answer is what came back.
type answer struct {
	status int
	header http.Header
	body   string
	json   map[string]string
}

func send(t *testing.T, srv *httptest.Server, rq request) answer {
	t.Helper()
	method := rq.method
	if method == "" {
		method = http.MethodGet
	}
	target := rq.target
	if target == "" {
		target = "/appointments"
	}
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+target, body)
	require.NoError(t, err)
	for _, a := range rq.auth {
		req.Header.Add("Authorization", a)
	}
	for k, v := range rq.headers {
		req.Header.Set(k, v)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") == "application/json" {
		require.NoError(t, json.Unmarshal(raw, &a.json), "body %q", raw)
	}
	return a
}

type wrapFunc func(*middleware.Middleware) func(http.Handler) http.Handler

func handler(m *middleware.Middleware) func(http.Handler) http.Handler { return m.Handler }

func require_(scopes ...string) wrapFunc {
	return func(m *middleware.Middleware) func(http.Handler) http.Handler { return m.Require(scopes...) }
}

func requireAny(scopes ...string) wrapFunc {
	return func(m *middleware.Middleware) func(http.Handler) http.Handler { return m.RequireAny(scopes...) }
}

func requirePerms(perms ...string) wrapFunc {
	return func(m *middleware.Middleware) func(http.Handler) http.Handler {
		return m.RequirePermissions(perms...)
	}
}

// TestAnswers drives a real server over loopback with a real client, one
// row per rule of RFC 6750 §2 and §3 the middleware implements.
func TestAnswers(t *testing.T) {
	api := middleware.Options{Realm: "api"}
	query := middleware.Options{Realm: "api", AllowQuery: true}
	form := middleware.Options{Realm: "api", AllowForm: true}
	optional := middleware.Options{Realm: "api", CredentialsOptional: true}
	preflight := middleware.Options{Realm: "api", Preflight: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		io.WriteString(w, "cors preflight")
	})}
	const formCT = "application/x-www-form-urlencoded"
	const noToken = `Bearer realm="api"`
	const badRequest = `Bearer realm="api", error="invalid_request", error_description=`
	const badHeader = badRequest + `"the Authorization header's Bearer credentials must be one or more spaces followed by a b64token (RFC 6750, section 2.1)"`
	const twice = badRequest + `"the access token was presented in more than one way (Authorization header, form body, query); use exactly one (RFC 6750, section 2)"`

	tests := []struct {
		name      string
		validator middleware.Validator // nil: fakeValidator
		opts      middleware.Options
		wrap      wrapFunc // nil: Handler
		req       request

		status       int
		challenge    string // exact WWW-Authenticate; "" asserts there is none
		code         string // body "error" member of a refusal
		seen         string // body written by the handler
		cacheControl string
		retryAfter   string
	}{
		// §3.1: no token at all → 401 with no error code.
		{name: "no token", opts: api, status: 401, challenge: noToken},
		{name: "no token, no realm", status: 401, challenge: `Bearer`},
		{name: "other scheme is not a bearer token", opts: api, req: request{auth: []string{"Basic dXNlcjpwYXNz"}},
			status: 401, challenge: noToken},
		{name: "scheme name longer than Bearer", opts: api, req: request{auth: []string{"Bearerx " + goodToken}},
			status: 401, challenge: noToken},

		// §2.1: header syntax.
		{name: "valid token in header", opts: api, req: request{auth: []string{"Bearer " + goodToken}},
			status: 200, seen: "sub=user-1"},
		{name: "scheme is case-insensitive (lower)", opts: api, req: request{auth: []string{"bearer " + goodToken}},
			status: 200, seen: "sub=user-1"},
		{name: "scheme is case-insensitive (upper)", opts: api, req: request{auth: []string{"BEARER " + goodToken}},
			status: 200, seen: "sub=user-1"},
		{name: "b64token punctuation and padding", opts: api, req: request{auth: []string{"Bearer " + paddedToken}},
			status: 200, seen: "sub=user-1"},
		{name: "Bearer without token", opts: api, req: request{auth: []string{"Bearer"}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "two spaces (1*SP)", opts: api, req: request{auth: []string{"Bearer  " + goodToken}},
			status: 200, seen: "sub=user-1"},
		{name: "tab instead of space", opts: api, req: request{auth: []string{"Bearer\t" + goodToken}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "space inside token", opts: api, req: request{auth: []string{"Bearer good token"}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "character outside b64token", opts: api, req: request{auth: []string{"Bearer good,token"}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "padding before the end", opts: api, req: request{auth: []string{"Bearer ab=c"}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "only padding", opts: api, req: request{auth: []string{"Bearer =="}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "several Authorization headers", opts: api,
			req:    request{auth: []string{"Bearer " + goodToken, "Bearer " + adminToken}},
			status: 400, challenge: badRequest + `"the request has 2 Authorization headers; send exactly one"`,
			code: "invalid_request"},

		// §3.1: refused tokens → 401 invalid_token with a description.
		{name: "expired token", opts: api, req: request{auth: []string{"Bearer " + expiredToken}},
			status: 401, code: "invalid_token",
			challenge: `Bearer realm="api", error="invalid_token", error_description="token expired (exp): expired at 2025-01-01T00:00:00Z, 1h0m0s ago"`},
		{name: "unknown token", opts: api, req: request{auth: []string{"Bearer unknown"}},
			status: 401, code: "invalid_token",
			challenge: `Bearer realm="api", error="invalid_token", error_description="malformed token: the token is not a compact JWS"`},
		{name: "description never echoes the token", opts: api, req: request{auth: []string{"Bearer " + leakyToken}},
			status: 401, code: "invalid_token",
			challenge: `Bearer realm="api", error="invalid_token", error_description="invalid signature: signature [token] of [token] does not verify"`},
		{name: "error that is not a ValidationError", opts: api, req: request{auth: []string{"Bearer " + plainErrToken}},
			status: 401, code: "invalid_token",
			challenge: `Bearer realm="api", error="invalid_token", error_description="the access token is not valid"`},

		// token.ErrUnavailable → 503 with Retry-After, never 401.
		{name: "validation unavailable", opts: api, req: request{auth: []string{"Bearer " + unavailableToken}},
			status: 503, code: "temporarily_unavailable", retryAfter: "5"},
		{name: "RetryAfter rounded up to seconds", opts: middleware.Options{RetryAfter: 1500 * time.Millisecond},
			req: request{auth: []string{"Bearer " + unavailableToken}}, status: 503, code: "temporarily_unavailable", retryAfter: "2"},
		{name: "negative RetryAfter leaves the header out", opts: middleware.Options{RetryAfter: -1},
			req: request{auth: []string{"Bearer " + unavailableToken}}, status: 503, code: "temporarily_unavailable"},
		{name: "no validator fails closed with 503", validator: middleware.ValidatorFunc(nil), opts: api,
			req: request{auth: []string{"Bearer " + goodToken}}, status: 503, code: "temporarily_unavailable", retryAfter: "5"},
		{name: "validator returning nothing is a server error", opts: api, req: request{auth: []string{"Bearer " + nilToken}},
			status: 500, code: "server_error"},

		// §3.1: scopes and permissions → 403 insufficient_scope.
		{name: "required scope granted", opts: api, wrap: require_("read:appointments"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 200, seen: "sub=user-1"},
		{name: "required scope missing", opts: api, wrap: require_("write:appointments"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 403, code: "insufficient_scope",
			challenge: `Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write:appointments", scope="write:appointments"`},
		{name: "all scopes required, one missing", opts: api, wrap: require_("read:appointments", "write:appointments"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 403, code: "insufficient_scope",
			challenge: `Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write:appointments", scope="read:appointments write:appointments"`},
		{name: "all scopes required, all granted", opts: api, wrap: require_("read:appointments", "write:appointments"),
			req: request{auth: []string{"Bearer " + adminToken}}, status: 200, seen: "sub=admin-1"},
		{name: "any scope, one granted", opts: api, wrap: requireAny("write:appointments", "read:appointments"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 200, seen: "sub=user-1"},
		{name: "any scope, none granted", opts: api, wrap: requireAny("write:appointments", "admin"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 403, code: "insufficient_scope",
			challenge: `Bearer realm="api", error="insufficient_scope", error_description="the access token has none of the scopes write:appointments admin", scope="write:appointments admin"`},
		{name: "permission granted", opts: api, wrap: requirePerms("read:appointments"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 200, seen: "sub=user-1"},
		{name: "permission missing", opts: api, wrap: requirePerms("write:appointments"),
			req: request{auth: []string{"Bearer " + goodToken}}, status: 403, code: "insufficient_scope",
			challenge: `Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the permission write:appointments", scope="write:appointments"`},
		{name: "scope check comes after validation", opts: api, wrap: require_("read:appointments"),
			req: request{auth: []string{"Bearer " + expiredToken}}, status: 401, code: "invalid_token",
			challenge: `Bearer realm="api", error="invalid_token", error_description="token expired (exp): expired at 2025-01-01T00:00:00Z, 1h0m0s ago"`},
		{name: "Require with no scopes is Handler", opts: optional, wrap: require_(),
			status: 200, seen: "anonymous"},

		// §2.3: the query parameter.
		{name: "query ignored by default", opts: api, req: request{target: "/appointments?access_token=" + goodToken},
			status: 401, challenge: noToken},
		{name: "query accepted when allowed", opts: query, req: request{target: "/appointments?access_token=" + goodToken},
			status: 200, seen: "sub=user-1", cacheControl: "private"},
		{name: "query plus header", opts: query,
			req:    request{target: "/appointments?access_token=" + goodToken, auth: []string{"Bearer " + goodToken}},
			status: 400, challenge: twice, code: "invalid_request", cacheControl: "private"},
		{name: "query repeated", opts: query,
			req:    request{target: "/appointments?access_token=" + goodToken + "&access_token=" + goodToken},
			status: 400, code: "invalid_request", cacheControl: "private",
			challenge: badRequest + `"the query repeats the access_token parameter"`},
		{name: "query value not a b64token", opts: query, req: request{target: "/appointments?access_token=a%20b"},
			status: 400, code: "invalid_request", cacheControl: "private",
			challenge: badRequest + `"the query's access_token parameter is not a b64token"`},
		{name: "query with another scheme in the header", opts: query,
			req:    request{target: "/appointments?access_token=" + goodToken, auth: []string{"Basic dXNlcjpwYXNz"}},
			status: 200, seen: "sub=user-1", cacheControl: "private"},
		{name: "query token refused", opts: query, req: request{target: "/appointments?access_token=" + expiredToken},
			status: 401, code: "invalid_token", cacheControl: "private",
			challenge: `Bearer realm="api", error="invalid_token", error_description="token expired (exp): expired at 2025-01-01T00:00:00Z, 1h0m0s ago"`},

		// §2.2: the form body parameter.
		{name: "form ignored by default", opts: api,
			req:    request{method: "POST", contentType: formCT, body: "access_token=" + goodToken},
			status: 401, challenge: noToken},
		{name: "form accepted when allowed, handler reads the parsed form", opts: form,
			req:    request{method: "POST", contentType: formCT + "; charset=utf-8", body: "note=hi&access_token=" + goodToken},
			status: 200, seen: "sub=user-1 note=hi"},
		{name: "form on PUT", opts: form, req: request{method: "PUT", contentType: formCT, body: "access_token=" + goodToken},
			status: 200, seen: "sub=user-1"},
		{name: "form on PATCH", opts: form, req: request{method: "PATCH", contentType: formCT, body: "access_token=" + goodToken},
			status: 200, seen: "sub=user-1"},
		{name: "form body of a GET is not read", opts: form,
			req:    request{method: "GET", contentType: formCT, body: "access_token=" + goodToken},
			status: 401, challenge: noToken},
		{name: "multipart body is not read", opts: form,
			req: request{method: "POST", contentType: "multipart/form-data; boundary=x",
				body: "--x\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n" + goodToken + "\r\n--x--\r\n"},
			status: 401, challenge: noToken},
		{name: "form plus header", opts: form,
			req:    request{method: "POST", contentType: formCT, body: "access_token=" + goodToken, auth: []string{"Bearer " + goodToken}},
			status: 400, challenge: twice, code: "invalid_request"},
		{name: "form plus query", opts: middleware.Options{Realm: "api", AllowForm: true, AllowQuery: true},
			req:    request{method: "POST", target: "/appointments?access_token=" + goodToken, contentType: formCT, body: "access_token=" + goodToken},
			status: 400, challenge: twice, code: "invalid_request", cacheControl: "private"},
		{name: "form parameter repeated", opts: form,
			req:    request{method: "POST", contentType: formCT, body: "access_token=a&access_token=b"},
			status: 400, code: "invalid_request", challenge: badRequest + `"the form body repeats the access_token parameter"`},
		{name: "form body over the limit", opts: middleware.Options{Realm: "api", AllowForm: true, MaxFormSize: 64},
			req:    request{method: "POST", contentType: formCT, body: "access_token=" + goodToken + "&pad=" + strings.Repeat("x", 100)},
			status: 400, code: "invalid_request", challenge: badRequest + `"the form body is larger than 64 bytes"`},
		{name: "form body not form-encoded", opts: form,
			req:    request{method: "POST", contentType: formCT, body: "access_token=%zz"},
			status: 400, code: "invalid_request", challenge: badRequest + `"the form body is not valid application/x-www-form-urlencoded"`},
		{name: "form without the parameter, token in header", opts: form,
			req:    request{method: "POST", contentType: formCT, body: "note=hi", auth: []string{"Bearer " + goodToken}},
			status: 200, seen: "sub=user-1 note=hi"},

		// CredentialsOptional.
		{name: "optional: no token runs the handler", opts: optional, status: 200, seen: "anonymous"},
		{name: "optional: other scheme runs the handler", opts: optional, req: request{auth: []string{"Basic dXNlcjpwYXNz"}},
			status: 200, seen: "anonymous"},
		{name: "optional: valid token is seen", opts: optional, req: request{auth: []string{"Bearer " + goodToken}},
			status: 200, seen: "sub=user-1"},
		{name: "optional: bad token still refused", opts: optional, req: request{auth: []string{"Bearer " + expiredToken}},
			status: 401, code: "invalid_token",
			challenge: `Bearer realm="api", error="invalid_token", error_description="token expired (exp): expired at 2025-01-01T00:00:00Z, 1h0m0s ago"`},
		{name: "optional: malformed request still refused", opts: optional, req: request{auth: []string{"Bearer"}},
			status: 400, challenge: badHeader, code: "invalid_request"},
		{name: "optional: a scope requirement needs a token", opts: optional, wrap: require_("read:appointments"),
			status: 401, challenge: noToken},

		// Preflight: answered by the CORS responder, never by the protected handler.
		{name: "preflight answered by Options.Preflight", opts: preflight,
			req: request{method: "OPTIONS", headers: map[string]string{
				"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}},
			status: 200, seen: "cors preflight"},
		{name: "preflight to a scoped route never reaches its handler", opts: preflight, wrap: require_("admin"),
			req: request{method: "OPTIONS", headers: map[string]string{
				"Origin": "https://app.example", "Access-Control-Request-Method": "DELETE"}},
			status: 200, seen: "cors preflight"},
		{name: "preflight refused when no Preflight handler is set", opts: api,
			req: request{method: "OPTIONS", headers: map[string]string{
				"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}},
			status: 401, challenge: noToken},
		{name: "OPTIONS without Access-Control-Request-Method is not a preflight", opts: preflight,
			req:    request{method: "OPTIONS", headers: map[string]string{"Origin": "https://app.example"}},
			status: 401, challenge: noToken},
		{name: "preflight with a bad Authorization header still goes to Options.Preflight", opts: preflight,
			req: request{method: "OPTIONS", auth: []string{"Bearer"}, headers: map[string]string{
				"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}},
			status: 200, seen: "cors preflight"},

		// Realm quoting.
		{name: "realm is quoted and escaped", opts: middleware.Options{Realm: "my \"api\" \\ v2\r\nX-Injected: 1 é"},
			status: 401, challenge: `Bearer realm="my \"api\" \\ v2X-Injected: 1 "`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.validator
			if v == nil {
				v = fakeValidator
			}
			m := middleware.New(v, tt.opts)
			wrap := tt.wrap
			if wrap == nil {
				wrap = handler
			}
			srv := httptest.NewServer(wrap(m)(whoami))
			defer srv.Close()

			a := send(t, srv, tt.req)
			assert.Equal(t, tt.status, a.status, "body %q", a.body)
			assert.Equal(t, tt.challenge, a.header.Get("WWW-Authenticate"))
			assert.Equal(t, tt.cacheControl, a.header.Get("Cache-Control"))
			assert.Equal(t, tt.retryAfter, a.header.Get("Retry-After"))
			if tt.status < 400 {
				assert.Equal(t, tt.seen, a.body)
				return
			}
			assert.Equal(t, "application/json", a.header.Get("Content-Type"))
			require.NotNil(t, a.json, "a refusal has a JSON body")
			assert.Equal(t, tt.code, a.json["error"])
			assert.NotEmpty(t, a.json["error_description"])
			for _, tok := range append(tt.req.auth, tt.req.target, tt.req.body) {
				if tok := strings.TrimPrefix(tok, "Bearer "); len(tok) > 8 && !strings.HasPrefix(tok, "/") {
					assert.NotContains(t, a.body, tok, "the body never echoes the token")
				}
			}
			assert.NotContains(t, a.body, leakyToken)
		})
	}
}

// TestInsufficientScopeBodyListsScope checks the JSON body of a 403 carries
// the needed scope, as the header does.
func TestInsufficientScopeBodyListsScope(t *testing.T) {
	m := middleware.New(fakeValidator, middleware.Options{})
	srv := httptest.NewServer(m.Require("write:appointments")(whoami))
	defer srv.Close()
	a := send(t, srv, request{auth: []string{"Bearer " + goodToken}})
	assert.Equal(t, map[string]string{
		"error":             "insufficient_scope",
		"error_description": "the access token lacks the scope write:appointments",
		"scope":             "write:appointments",
	}, a.json)
}

// TestNoTokenBodyHasNoErrorCode checks the body of a 401 for a request
// without a token carries no error code, like the header.
func TestNoTokenBodyHasNoErrorCode(t *testing.T) {
	m := middleware.New(fakeValidator, middleware.Options{})
	srv := httptest.NewServer(m.Handler(whoami))
	defer srv.Close()
	a := send(t, srv, request{})
	assert.Equal(t, map[string]string{"error_description": "this resource requires a bearer access token (RFC 6750)"}, a.json)
}

// TestHandlerSeesToken checks the handler gets the very token the
// Validator returned, and the Validator got the request's context and the
// raw token.
func TestHandlerSeesToken(t *testing.T) {
	want := &accesstoken.Token{Subject: "user-7", Scopes: []string{"read:appointments"}}
	var gotRaw string
	v := middleware.ValidatorFunc(func(ctx context.Context, raw string) (*accesstoken.Token, error) {
		gotRaw = raw
		return want, nil
	})
	got := make(chan *accesstoken.Token, 1)
	m := middleware.New(v, middleware.Options{})
	srv := httptest.NewServer(m.Require("read:appointments")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := middleware.TokenFrom(r.Context())
		assert.True(t, ok)
		got <- tok
	})))
	defer srv.Close()
	a := send(t, srv, request{auth: []string{"Bearer abc.def.ghi"}})
	assert.Equal(t, 200, a.status)
	assert.Same(t, want, <-got)
	assert.Equal(t, "abc.def.ghi", gotRaw)
}

// TestTokenFromOutsideMiddleware checks TokenFrom reports false without a
// token, and WithToken sets what TokenFrom reads.
func TestTokenFromOutsideMiddleware(t *testing.T) {
	tok, ok := middleware.TokenFrom(context.Background())
	assert.False(t, ok)
	assert.Nil(t, tok)
	_, ok = middleware.TokenFrom(middleware.WithToken(context.Background(), nil))
	assert.False(t, ok, "a nil token is no token")
	want := &accesstoken.Token{Subject: "s"}
	tok, ok = middleware.TokenFrom(middleware.WithToken(context.Background(), want))
	assert.True(t, ok)
	assert.Same(t, want, tok)
}

// TestStepUp checks the RFC 9470 answer over a real server.
func TestStepUp(t *testing.T) {
	tests := []struct {
		name    string
		acr     []string
		maxAge  time.Duration
		want    string
		wantErr string
	}{
		{name: "acr_values", acr: []string{"urn:mace:incommon:iap:silver", "mfa"},
			want: `Bearer realm="api", error="insufficient_user_authentication", error_description="a different authentication level is required", acr_values="urn:mace:incommon:iap:silver mfa"`},
		{name: "max_age", maxAge: 5 * time.Minute,
			want: `Bearer realm="api", error="insufficient_user_authentication", error_description="a more recent authentication is required", max_age="300"`},
		{name: "both", acr: []string{"mfa"}, maxAge: 90 * time.Second,
			want: `Bearer realm="api", error="insufficient_user_authentication", error_description="a different authentication level is required", acr_values="mfa", max_age="90"`},
		{name: "neither", maxAge: -time.Second,
			want: `Bearer realm="api", error="insufficient_user_authentication", error_description="a different authentication level is required"`},
		{name: "acr value with quote is escaped", acr: []string{`a"b`},
			want: `Bearer realm="api", error="insufficient_user_authentication", error_description="a different authentication level is required", acr_values="a\"b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := middleware.New(fakeValidator, middleware.Options{Realm: "api"})
			srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				m.StepUp(w, r, tt.acr, tt.maxAge)
			})))
			defer srv.Close()
			a := send(t, srv, request{auth: []string{"Bearer " + goodToken}})
			assert.Equal(t, 401, a.status)
			assert.Equal(t, tt.want, a.header.Get("WWW-Authenticate"))
			assert.Equal(t, "insufficient_user_authentication", a.json["error"])
		})
	}
}

// TestErrorResponder checks a custom responder gets the refusal with its
// cause and the headers already set, and decides the body.
func TestErrorResponder(t *testing.T) {
	got := make(chan *middleware.Error, 1)
	m := middleware.New(fakeValidator, middleware.Options{
		Realm: "api",
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
			if e.Status == 503 {
				assert.Equal(t, "5", w.Header().Get("Retry-After"), "headers are set before the responder runs")
			} else {
				assert.NotEmpty(t, w.Header().Get("WWW-Authenticate"), "headers are set before the responder runs")
			}
			got <- e
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(e.Status)
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "status": e.Status, "detail": e.Description})
		},
	})
	srv := httptest.NewServer(m.Require("write:appointments")(whoami))
	defer srv.Close()

	tests := []struct {
		name    string
		auth    []string
		status  int
		code    string
		scope   string
		errKind error
	}{
		{name: "no token", status: 401, errKind: middleware.ErrNoToken},
		{name: "malformed", auth: []string{"Bearer"}, status: 400, code: "invalid_request", errKind: middleware.ErrInvalidRequest},
		{name: "expired", auth: []string{"Bearer " + expiredToken}, status: 401, code: "invalid_token", errKind: token.ErrExpired},
		{name: "unavailable", auth: []string{"Bearer " + unavailableToken}, status: 503, code: "temporarily_unavailable", errKind: token.ErrUnavailable},
		{name: "scope", auth: []string{"Bearer " + goodToken}, status: 403, code: "insufficient_scope", scope: "write:appointments", errKind: token.ErrInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, srv, request{auth: tt.auth})
			e := <-got
			assert.Equal(t, tt.status, a.status)
			assert.Equal(t, "application/problem+json", a.header.Get("Content-Type"))
			assert.Equal(t, tt.status, e.Status)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.scope, e.Scope)
			assert.ErrorIs(t, e, tt.errKind)
			assert.Contains(t, a.body, fmt.Sprintf(`"status":%d`, tt.status))
		})
	}
}

// TestRequireCopiesScopes checks a caller changing its slice after Require
// changes nothing.
func TestRequireCopiesScopes(t *testing.T) {
	scopes := []string{"read:appointments"}
	m := middleware.New(fakeValidator, middleware.Options{})
	srv := httptest.NewServer(m.Require(scopes...)(whoami))
	defer srv.Close()
	scopes[0] = "write:appointments"
	a := send(t, srv, request{auth: []string{"Bearer " + goodToken}})
	assert.Equal(t, 200, a.status)
}

// TestZeroMiddleware checks the zero value, and a nil *Middleware, fail
// closed.
func TestZeroMiddleware(t *testing.T) {
	var nilM *middleware.Middleware
	for _, m := range []*middleware.Middleware{new(middleware.Middleware), nilM} {
		srv := httptest.NewServer(m.Require("read")(whoami))
		assert.Equal(t, 401, send(t, srv, request{}).status)
		assert.Equal(t, 503, send(t, srv, request{auth: []string{"Bearer " + goodToken}}).status)
		srv.Close()
		w := httptest.NewRecorder()
		m.StepUp(w, httptest.NewRequest(http.MethodGet, "/", nil), []string{"mfa"}, 0)
		assert.Equal(t, 401, w.Code)
	}
	var e *middleware.Error
	assert.NotEmpty(t, e.Error())
	assert.NoError(t, e.Unwrap())
}

// TestNegativeMaxFormSizeFailsClosed checks a bound that cannot be turned
// off refuses every request (503) rather than reading bodies unbounded.
func TestNegativeMaxFormSizeFailsClosed(t *testing.T) {
	var logs strings.Builder
	m := middleware.New(fakeValidator, middleware.Options{AllowForm: true, MaxFormSize: -1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(m.Handler(whoami))
	defer srv.Close()
	assert.Equal(t, 503, send(t, srv, request{auth: []string{"Bearer " + goodToken}}).status)
	assert.Equal(t, 503, send(t, srv, request{}).status)
	assert.Contains(t, logs.String(), "Options.MaxFormSize")
}

// TestFormRequestNotModified checks the middleware parses the form into a
// copy: the caller's request keeps its own fields.
func TestFormRequestNotModified(t *testing.T) {
	m := middleware.New(fakeValidator, middleware.Options{AllowForm: true})
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{"access_token": {goodToken}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body := r.Body
	w := httptest.NewRecorder()
	m.Handler(whoami).ServeHTTP(w, r)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "sub=user-1", w.Body.String())
	assert.Nil(t, r.PostForm, "the caller's request is not parsed in place")
	assert.True(t, body == r.Body, "the caller's request keeps its body")
}
