package middleware

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokenguard/tokenguard/token"
)

// TestParseAuthorization checks RFC 6750 §2.1's syntax, one row per rule.
func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		header string
		tok    string
		bearer bool
		ok     bool
	}{
		{header: "Bearer abc", tok: "abc", bearer: true, ok: true},
		{header: "bearer abc", tok: "abc", bearer: true, ok: true},
		{header: "bEaReR abc", tok: "abc", bearer: true, ok: true},
		{header: "Bearer AZaz09-._~+/", tok: "AZaz09-._~+/", bearer: true, ok: true},
		{header: "Bearer abc==", tok: "abc==", bearer: true, ok: true},
		{header: "Bearer a.b.c", tok: "a.b.c", bearer: true, ok: true},
		{header: "Bearer  abc", tok: "abc", bearer: true, ok: true}, // 1*SP
		{header: "Bearer   a.b.c", tok: "a.b.c", bearer: true, ok: true},
		{header: "Bearer \tabc", bearer: true},
		// Another scheme, or none: not a bearer token.
		{header: "", ok: true},
		{header: "Basic dXNlcjpwYXNz", ok: true},
		{header: "DPoP abc", ok: true},
		{header: "Bear abc", ok: true},
		{header: "Bearerabc", ok: true},
		{header: "Bearer-x abc", ok: true},
		{header: "Bearer2 abc", ok: true},
		{header: "Beare", ok: true},
		// The Bearer scheme with bad credentials: malformed.
		{header: "Bearer", bearer: true},
		{header: "Bearer ", bearer: true},
		{header: "Bearer\tabc", bearer: true},
		{header: "Bearer abc ", bearer: true},
		{header: "Bearer a bc", bearer: true},
		{header: "Bearer ==", bearer: true},
		{header: "Bearer a=b", bearer: true},
		{header: "Bearer a,b", bearer: true},
		{header: "Bearer a\"b", bearer: true},
		{header: "Bearer a%2Eb", bearer: true},
		{header: "Bearer abc\x00", bearer: true},
		{header: "Bearer abcé", bearer: true},
		{header: "Bearer,abc", bearer: true},
		{header: "Bearer realm=\"x\"", bearer: true},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			tok, bearer, ok := parseAuthorization(tt.header)
			assert.Equal(t, tt.tok, tok)
			assert.Equal(t, tt.bearer, bearer, "bearer")
			assert.Equal(t, tt.ok, ok, "ok")
		})
	}
}

// TestExtract covers what a real client cannot easily send (empty and
// untrimmed header values) and the choice between sources.
func TestExtract(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		method string
		target string
		auth   []string
		ct     string
		body   string
		tok    string
		from   source
		bad    bool
	}{
		{name: "nothing", target: "/"},
		{name: "empty Authorization header is no credentials", auth: []string{""}},
		{name: "untrimmed value is malformed", auth: []string{"Bearer abc "}, from: fromHeader, bad: true},
		{name: "header", auth: []string{"Bearer abc"}, tok: "abc", from: fromHeader},
		{name: "three headers", auth: []string{"Bearer a", "Bearer b", "Basic c"}, bad: true},
		{name: "two headers even of other schemes", auth: []string{"Basic a", "Basic b"}, bad: true},
		{name: "query disabled", target: "/?access_token=abc"},
		{name: "query", opts: Options{AllowQuery: true}, target: "/?access_token=abc", tok: "abc", from: fromQuery},
		{name: "query percent-encoded name", opts: Options{AllowQuery: true}, target: "/?access%5Ftoken=abc", tok: "abc", from: fromQuery},
		{name: "query plus sign must be encoded", opts: Options{AllowQuery: true}, target: "/?access_token=a%2Bb", tok: "a+b", from: fromQuery},
		{name: "query plus sign decodes to space", opts: Options{AllowQuery: true}, target: "/?access_token=a+b", from: fromQuery, bad: true},
		{name: "query empty value", opts: Options{AllowQuery: true}, target: "/?access_token=", from: fromQuery, bad: true},
		{name: "query other parameters only", opts: Options{AllowQuery: true}, target: "/?a=b&c=%zz"},
		{name: "form", opts: Options{AllowForm: true}, method: "POST", ct: "application/x-www-form-urlencoded", body: "access_token=abc",
			tok: "abc", from: fromForm},
		{name: "form content type case-insensitive", opts: Options{AllowForm: true}, method: "POST", ct: "Application/X-WWW-Form-URLEncoded",
			body: "access_token=abc", tok: "abc", from: fromForm},
		{name: "form on DELETE not read", opts: Options{AllowForm: true}, method: "DELETE", ct: "application/x-www-form-urlencoded",
			body: "access_token=abc"},
		{name: "form with JSON content type not read", opts: Options{AllowForm: true}, method: "POST", ct: "application/json",
			body: "access_token=abc"},
		{name: "form with bad content type not read", opts: Options{AllowForm: true}, method: "POST", ct: ";;",
			body: "access_token=abc"},
		{name: "form and query and header", opts: Options{AllowForm: true, AllowQuery: true}, method: "POST",
			target: "/?access_token=abc", ct: "application/x-www-form-urlencoded", body: "access_token=abc", auth: []string{"Bearer abc"},
			from: fromHeader | fromForm | fromQuery, bad: true},
		{name: "malformed header wins over the rest", opts: Options{AllowQuery: true}, target: "/?access_token=abc",
			auth: []string{"Bearer"}, from: fromHeader, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, target := tt.method, tt.target
			if method == "" {
				method = "GET"
			}
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest(method, target, strings.NewReader(tt.body))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			for _, a := range tt.auth {
				r.Header.Add("Authorization", a)
			}
			tok, from, _, e := extract(httptest.NewRecorder(), r, &tt.opts)
			assert.Equal(t, tt.tok, tok)
			assert.Equal(t, tt.from, from)
			if !tt.bad {
				assert.Nil(t, e)
				return
			}
			if assert.NotNil(t, e) {
				assert.Equal(t, http.StatusBadRequest, e.Status)
				assert.Equal(t, CodeInvalidRequest, e.Code)
				assert.True(t, errors.Is(e, ErrInvalidRequest))
			}
		})
	}
}

// TestExtractFormAlreadyParsed checks a form an earlier handler parsed is
// used as it is, without touching the body again.
func TestExtractFormAlreadyParsed(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("access_token=abc"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	assert.NoError(t, r.ParseForm())
	tok, from, r2, e := extract(httptest.NewRecorder(), r, &Options{AllowForm: true})
	assert.Nil(t, e)
	assert.Equal(t, "abc", tok)
	assert.Equal(t, fromForm, from)
	assert.Same(t, r, r2)
}

// TestDescribeScrubs checks the token never survives in a description,
// whole or by segment.
func TestDescribeScrubs(t *testing.T) {
	raw := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	err := leakyError(raw)
	got := describe(err, raw)
	assert.Equal(t, "invalid signature (header.kid): kid [token] in header [token] signature [token], short a.b", got)
}

// leakyError is a validation error that quotes parts of raw, as a careless
// Validator might.
func leakyError(raw string) error {
	parts := strings.Split(raw, ".")
	return token.Errorf(token.ErrSignature, "header.kid", "kid %s in header %s signature %s, short a.b", raw, parts[0], parts[2])
}
