package idtoken_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// login is what an application holds right after a login at the fixture's
// issuer: the validated ID token and the access token issued with it.
type login struct {
	id *idtoken.Token
	at string
}

func (f *fixture) login(t testing.TB) login {
	t.Helper()
	id, err := f.validator(t, nil).Validate(context.Background(), f.iss.IDToken(nil))
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return login{id: id, at: f.iss.AccessToken(tokentest.Claims{"scope": "openid profile email"})}
}

// userInfoClient is a client of the fixture's UserInfo endpoint, on the
// fixture's clock, edited by edit.
func (f *fixture) userInfoClient(t testing.TB, edit func(*idtoken.UserInfoConfig)) *idtoken.UserInfoClient {
	t.Helper()
	cfg := idtoken.UserInfoConfig{
		Endpoint:   f.iss.UserInfoURL(),
		Issuer:     f.iss.URL(),
		ClientID:   f.iss.ClientID(),
		Keys:       f.iss.KeySource(),
		Algorithms: []string{f.iss.Algorithm()},
		Now:        f.clock.Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := idtoken.NewUserInfoClient(cfg)
	if err != nil {
		t.Fatalf("NewUserInfoClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// endpointAt points the client at url instead of the issuer's endpoint.
func endpointAt(url string) func(*idtoken.UserInfoConfig) {
	return func(c *idtoken.UserInfoConfig) { c.Endpoint = url }
}

// expectUserInfo fetches and checks the outcome as expect does for
// Validate: success when want is nil, otherwise an error matching want that
// is a *token.ValidationError and never shows the access token.
func expectUserInfo(t *testing.T, c *idtoken.UserInfoClient, l login, want error) *idtoken.UserInfo {
	t.Helper()
	info, err := c.Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, info != nil, want, l.at)
	return info
}

// serve is a UserInfo endpoint that answers body with contentType.
func serve(t testing.TB, contentType, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestUserInfoJSONAnswer(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	f.iss.SetUserInfo(tokentest.Claims{
		"https://example.com/roles": []string{"admin"},
		"Roles":                     "differs only in case from no claim here",
		"phone_number":              nil, // null reads as absent
		"address":                   map[string]any{"country": "FR"},
	})
	info := expectUserInfo(t, f.userInfoClient(t, nil), l, nil)
	if info.Subject != l.id.Subject || info.Signed {
		t.Fatalf("Subject %q, Signed %t; want %q, false", info.Subject, info.Signed, l.id.Subject)
	}
	// The same standard-claim type as the ID token, read the same way.
	if info.StandardClaims.Name != l.id.Name || info.Email != l.id.Email || !info.EmailVerified ||
		info.Picture != l.id.Picture || !info.UpdatedAt.Equal(f.clock.Now()) || info.PhoneNumber != "" {
		t.Fatalf("standard claims = %+v; want the ID token's profile", info.StandardClaims)
	}
	if info.Address == nil || info.Address.Country != "FR" {
		t.Fatalf("Address = %+v", info.Address)
	}
	var mine struct {
		Roles []string `json:"https://example.com/roles"`
		Other string   `json:"roles"`
	}
	if err := info.Claims(&mine); err != nil {
		t.Fatal(err)
	}
	if len(mine.Roles) != 1 || mine.Roles[0] != "admin" || mine.Other != "" {
		t.Fatalf("Claims = %+v; names must match exactly", mine)
	}
	if !strings.HasPrefix(info.Raw, "{") {
		t.Fatalf("Raw = %q", info.Raw)
	}
}

// TestUserInfoOpenIDCertificationRP mirrors the OpenID Foundation's
// relying-party tests of the UserInfo endpoint, named as the suite names
// them.
func TestUserInfoOpenIDCertificationRP(t *testing.T) {
	t.Run("rp-userinfo-bad-sub-claim", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		f.iss.UserInfoSubject("auth0|someone-else")
		expectUserInfo(t, f.userInfoClient(t, nil), l, token.ErrSubject)
	})
	t.Run("rp-userinfo-bad-sub-claim/signed", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		f.iss.SignUserInfo(true)
		f.iss.UserInfoSubject("auth0|someone-else")
		expectUserInfo(t, f.userInfoClient(t, nil), l, token.ErrSubject)
	})
	t.Run("rp-userinfo-bearer-header", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		var method, authz, query string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			method, authz, query = r.Method, r.Header.Get("Authorization"), r.URL.RawQuery
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"sub":"` + l.id.Subject + `"}`))
		}))
		defer srv.Close()
		expectUserInfo(t, f.userInfoClient(t, endpointAt(srv.URL)), l, nil)
		if method != http.MethodGet || authz != "Bearer "+l.at || query != "" {
			t.Fatalf("request: %s, Authorization %q, query %q; want GET with the bearer token in the header only", method, authz, query)
		}
	})
	t.Run("rp-userinfo-sig", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		f.iss.SignUserInfo(true)
		info := expectUserInfo(t, f.userInfoClient(t, func(c *idtoken.UserInfoConfig) { c.RequireSigned = true }), l, nil)
		if !info.Signed || info.Issuer != f.iss.URL() || len(info.Audience) != 1 || info.Audience[0] != f.iss.ClientID() ||
			info.Email != l.id.Email || strings.Count(info.Raw, ".") != 2 {
			t.Fatalf("signed answer read as %+v", info)
		}
	})
}

// TestUserInfoSignedAnswerRules applies OIDC Core §5.3.2 to signed answers:
// verified with the issuer's keys and allow-list, iss exact, aud containing
// the client ID, and exp (which it need not carry) not passed.
func TestUserInfoSignedAnswerRules(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		claims tokentest.Claims
		forge  bool
		alg    []string
		want   error
	}{
		{name: "good, no exp", claims: nil},
		{name: "several audiences with the client", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID, "https://api.example"}}},
		{name: "iss of another issuer", claims: tokentest.Claims{"iss": "https://evil.example"}, want: token.ErrIssuer},
		{name: "iss missing", claims: tokentest.Claims{"iss": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "aud another client", claims: tokentest.Claims{"aud": "some-other-client"}, want: token.ErrAudience},
		{name: "aud missing", claims: tokentest.Claims{"aud": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "exp passed", claims: tokentest.Claims{"exp": t0.Add(-time.Hour).Unix()}, want: token.ErrExpired},
		{name: "exp ahead", claims: tokentest.Claims{"exp": t0.Add(time.Hour).Unix()}},
		{name: "signed with another key", forge: true, want: token.ErrSignature},
		{name: "algorithm not allowed", alg: []string{"ES256"}, want: token.ErrUnsupportedAlgorithm},
		{name: "sub missing", claims: tokentest.Claims{"sub": tokentest.Omit}, want: token.ErrMissingClaim},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.login(t)
			edit := func(c *idtoken.UserInfoConfig) {
				if tt.alg != nil {
					c.Algorithms = tt.alg
				}
			}
			if tt.forge {
				claims := tokentest.Claims{"iss": f.iss.URL(), "aud": f.iss.ClientID(), "sub": l.id.Subject}
				forged := f.iss.IDToken(claims, tokentest.WithSigningKey(other))
				url := serve(t, "application/jwt", forged)
				e := edit
				edit = func(c *idtoken.UserInfoConfig) { e(c); c.Endpoint = url }
			} else {
				f.iss.SignUserInfo(true)
				f.iss.SetUserInfo(tt.claims)
			}
			expectUserInfo(t, f.userInfoClient(t, edit), l, tt.want)
		})
	}
}

// TestUserInfoAnswerRules covers what any answer must be: about the ID
// token's user, one strict JSON object, its claims of their JSON types.
func TestUserInfoAnswerRules(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string // a JSON answer; {{sub}} stands for the ID token's subject
		want error
	}{
		{name: "minimal", body: `{"sub":"{{sub}}"}`},
		{name: "sub of another user", body: `{"sub":"auth0|someone-else"}`, want: token.ErrSubject},
		{name: "sub with a trailing space", body: `{"sub":"{{sub}} "}`, want: token.ErrSubject},
		{name: "sub empty", body: `{"sub":""}`, want: token.ErrSubject},
		{name: "sub missing", body: `{"name":"Jane"}`, want: token.ErrMissingClaim},
		{name: "sub a number", body: `{"sub":42}`, want: token.ErrInvalidClaim},
		{name: "sub twice", body: `{"sub":"{{sub}}","sub":"other"}`, want: token.ErrMalformed},
		{name: "sub and SUB", body: `{"sub":"{{sub}}","SUB":"other"}`, want: token.ErrMalformed},
		{name: "email_verified a string", body: `{"sub":"{{sub}}","email_verified":"true"}`, want: token.ErrInvalidClaim},
		{name: "address not an object", body: `{"sub":"{{sub}}","address":"1 Main St"}`, want: token.ErrInvalidClaim},
		{name: "profile claims null", body: `{"sub":"{{sub}}","name":null,"email_verified":null,"address":null}`},
		{name: "not an object", body: `["{{sub}}"]`, want: token.ErrMalformed},
		{name: "invalid UTF-8", body: "{\"sub\":\"SUB\",\"name\":\"\xff\"}", want: token.ErrMalformed},
		{name: "deep nesting", body: `{"sub":"{{sub}}","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, want: token.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.login(t)
			url := serve(t, "application/json; charset=utf-8", strings.ReplaceAll(tt.body, "{{sub}}", l.id.Subject))
			expectUserInfo(t, f.userInfoClient(t, endpointAt(url)), l, tt.want)
		})
	}
}

// TestUserInfoNoAnswer: a 200 whose body is empty, or is not JSON at all
// although labelled so (a proxy's page, a truncated answer), carries no
// UserInfo answer to judge. Like an answer of another media type it is an
// outage, never a verdict on the access token or on a user.
func TestUserInfoNoAnswer(t *testing.T) {
	for _, tt := range []struct{ name, contentType, body string }{
		{"empty JSON body", "application/json", ""},
		{"blank JSON body", "application/json; charset=utf-8", " \r\n"},
		{"empty JWT body", "application/jwt", ""},
		{"blank JWT body", "application/jwt", "\n"},
		{"HTML labelled JSON", "application/json", "<html><body>Sign in</body></html>"},
		{"form labelled JSON", "application/json", "sub=SUB"},
		{"truncated JSON", "application/json", `{"sub":"SUB","name":"Ja`},
		{"two JSON documents", "application/json", `{"sub":"SUB"} {"sub":"other"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.login(t)
			body := strings.ReplaceAll(tt.body, "SUB", l.id.Subject)
			expectUserInfo(t, f.userInfoClient(t, endpointAt(serve(t, tt.contentType, body))), l, token.ErrUnavailable)
		})
	}
}

// TestUserInfoAnswerErrorsSayWhatWasRefused: a refusal of the answer says
// it was the UserInfo answer, not the access token, that was refused.
func TestUserInfoAnswerErrorsSayWhatWasRefused(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	for _, tt := range []struct {
		contentType, body string
		want              error
	}{
		{"application/json", `{"sub":"SUB","sub":"x"}`, token.ErrMalformed},
		{"application/json", `["SUB"]`, token.ErrMalformed},
		{"application/json", `{"sub":"SUB","email_verified":"yes"}`, token.ErrInvalidClaim},
		{"application/jwt", "a.b.c.d.e", token.ErrMalformed},
		{"application/jwt", f.iss.Sign(nil, tokentest.Claims{"iss": "https://evil.example", "aud": f.iss.ClientID(), "sub": "SUB"}), token.ErrIssuer},
	} {
		body := strings.ReplaceAll(tt.body, "SUB", l.id.Subject)
		_, err := f.userInfoClient(t, endpointAt(serve(t, tt.contentType, body))).Fetch(context.Background(), l.at, l.id)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "UserInfo answer") {
			t.Errorf("%s %q: error %v; want %v naming the UserInfo answer", tt.contentType, tt.body, err, tt.want)
		}
	}
}

func TestUserInfoRequireSignedRefusesJSON(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	expectUserInfo(t, f.userInfoClient(t, func(c *idtoken.UserInfoConfig) { c.RequireSigned = true }), l, token.ErrSignature)
}

func TestUserInfoEncryptedAnswerRefused(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	jwe := "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"
	expectUserInfo(t, f.userInfoClient(t, endpointAt(serve(t, "application/jwt", jwe))), l, token.ErrMalformed)
}

// TestUserInfoRefusedAccessToken: a 401 or 403 is the issuer's verdict on
// the access token, reported as token.ErrTokenRefused with what the
// challenge said, never as an outage.
func TestUserInfoRefusedAccessToken(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		revoke bool
		code   string
	}{
		{name: "401 invalid_token", status: http.StatusUnauthorized, code: "invalid_token"},
		{name: "403 insufficient_scope", status: http.StatusForbidden, code: "insufficient_scope"},
		{name: "revoked access token", revoke: true, code: "invalid_token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.login(t)
			if tt.revoke {
				f.iss.Revoke(l.at)
			} else {
				f.iss.FailUserInfo(tt.status)
			}
			c := f.userInfoClient(t, nil)
			expectUserInfo(t, c, l, token.ErrTokenRefused)
			_, err := c.Fetch(context.Background(), l.at, l.id)
			var r *idtoken.UserInfoRefusal
			if !errors.As(err, &r) || r.Code != tt.code || r.Description == "" {
				t.Fatalf("refusal = %+v; want code %q with a description", r, tt.code)
			}
			if n := strings.Count(err.Error(), r.Description); n != 1 {
				t.Fatalf("the challenge is told %d times in %q", n, err)
			}
			if errors.Is(err, token.ErrUnavailable) {
				t.Fatal("a refused token reported as an outage")
			}
		})
	}
	t.Run("a refresh token", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		l.at = f.iss.RefreshToken(nil)
		expectUserInfo(t, f.userInfoClient(t, nil), l, token.ErrTokenRefused)
	})
	t.Run("challenge echoing the token", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		url := echoingChallenge(t, http.StatusUnauthorized, "invalid_token", `token {{token}} \"expired\"\r`)
		_, err := f.userInfoClient(t, endpointAt(url)).Fetch(context.Background(), l.at, l.id)
		var r *idtoken.UserInfoRefusal
		if !errors.Is(err, token.ErrTokenRefused) || !errors.As(err, &r) {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), l.at) || strings.Contains(r.Description, l.at) {
			t.Fatal("the access token echoed by the server reached the error")
		}
		if !strings.Contains(r.Description, `"expired"`) {
			t.Fatalf("Description = %q", r.Description)
		}
	})
}

// echoingChallenge is a UserInfo endpoint that answers status with a Bearer
// challenge of error code and error_description description, in which
// {{token}} stands for the access token it was sent, as a careless server
// echoes it.
func echoingChallenge(t testing.TB, status int, code, description string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`", error_description="`+strings.ReplaceAll(description, "{{token}}", tok)+`"`)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestUserInfoBadRequestChallenge: a 400 is no verdict on the access token
// (RFC 6750 §3.1 gives it to a malformed request), but what its challenge
// said reaches the operator, without the token.
func TestUserInfoBadRequestChallenge(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	url := echoingChallenge(t, http.StatusBadRequest, "invalid_request", "the access token was sent twice: {{token}}")
	_, err := f.userInfoClient(t, endpointAt(url)).Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrUnavailable, l.at)
	if !strings.Contains(err.Error(), "invalid_request") || !strings.Contains(err.Error(), "sent twice") {
		t.Fatalf("the challenge is lost: %v", err)
	}
}

// TestUserInfoUnavailable: an endpoint that cannot be reached or gives no
// usable answer is an outage (token.ErrUnavailable), never a verdict.
func TestUserInfoUnavailable(t *testing.T) {
	huge := `{"sub":"x","pad":"` + strings.Repeat("a", 100<<10) + `"}`
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		edit    func(*idtoken.UserInfoConfig)
	}{
		{name: "500", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }},
		{name: "400", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400) }},
		{name: "redirect", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/userinfo", http.StatusFound)
		}},
		{name: "304 never asked for", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }},
		{name: "204", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{name: "HTML login page", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>log in</html>"))
		}},
		{name: "no content type", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = w.Write([]byte(`{"sub":"x"}`))
		}},
		{name: "body over the bound", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(huge))
		}},
		{name: "body over the bound, no length", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for range 100 {
				_, _ = w.Write([]byte(strings.Repeat(" ", 1<<10)))
				w.(http.Flusher).Flush()
			}
		}},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, edit: func(c *idtoken.UserInfoConfig) { c.Timeout = 50 * time.Millisecond }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.login(t)
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			edit := func(c *idtoken.UserInfoConfig) {
				c.Endpoint = srv.URL
				if tt.edit != nil {
					tt.edit(c)
				}
			}
			_, err := f.userInfoClient(t, edit).Fetch(context.Background(), l.at, l.id)
			checkOutcome(t, err, false, token.ErrUnavailable, l.at)
			if strings.Contains(err.Error(), `redirecting to ""`) {
				t.Fatalf("an answer without Location described as a redirect: %v", err)
			}
		})
	}
	t.Run("endpoint down", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		expectUserInfo(t, f.userInfoClient(t, endpointAt(srv.URL)), l, token.ErrUnavailable)
	})
	t.Run("issuer failing", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		f.iss.FailUserInfo(http.StatusServiceUnavailable)
		c := f.userInfoClient(t, nil)
		expectUserInfo(t, c, l, token.ErrUnavailable)
		f.iss.Heal()
		expectUserInfo(t, c, l, nil)
	})
	t.Run("caller's context ended", func(t *testing.T) {
		f := newFixture(t)
		l := f.login(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := f.userInfoClient(t, nil).Fetch(ctx, l.at, l.id)
		if !errors.Is(err, token.ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want ErrUnavailable and context.Canceled", err)
		}
	})
}

func TestUserInfoBadAccessTokenMakesNoRequest(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	c := f.userInfoClient(t, nil)
	// RFC 6750 §2.1: a bearer credential is a b64token, nothing else.
	for _, at := range []string{"", "two words", "line\r\nX-Injected: 1", "tab\there",
		`quoted"token`, "a,b", "semi;colon", `back\slash`, "=abc", "ab=c", "é"} {
		l.at = at
		expectUserInfo(t, c, l, token.ErrMalformed)
	}
	if n := f.iss.UserInfoRequests(); n != 0 {
		t.Fatalf("%d requests reached the endpoint", n)
	}
	if _, err := c.Fetch(context.Background(), "at", nil); !errors.Is(err, token.ErrUnavailable) {
		t.Fatalf("Fetch without an ID token: %v; want ErrUnavailable", err)
	}
}

func TestNewUserInfoClientConfig(t *testing.T) {
	f := newFixture(t)
	good := func() idtoken.UserInfoConfig {
		return idtoken.UserInfoConfig{Endpoint: f.iss.UserInfoURL(), Issuer: f.iss.URL(), ClientID: f.iss.ClientID(), Keys: f.iss.KeySource()}
	}
	for name, edit := range map[string]func(*idtoken.UserInfoConfig){
		"no issuer":             func(c *idtoken.UserInfoConfig) { c.Issuer = "" },
		"no client ID":          func(c *idtoken.UserInfoConfig) { c.ClientID = "" },
		"no keys":               func(c *idtoken.UserInfoConfig) { c.Keys = nil },
		"no endpoint":           func(c *idtoken.UserInfoConfig) { c.Endpoint = "" },
		"http on a remote host": func(c *idtoken.UserInfoConfig) { c.Endpoint = "http://op.example/userinfo" },
		"https issuer, http endpoint": func(c *idtoken.UserInfoConfig) {
			c.Issuer = "https://op.example/"
		},
		"fragment":         func(c *idtoken.UserInfoConfig) { c.Endpoint += "#x" },
		"negative timeout": func(c *idtoken.UserInfoConfig) { c.Timeout = -1 },
		"negative size":    func(c *idtoken.UserInfoConfig) { c.MaxResponseSize = -1 },
		"alg none":         func(c *idtoken.UserInfoConfig) { c.Algorithms = []string{"none"} },
	} {
		cfg := good()
		edit(&cfg)
		if _, err := idtoken.NewUserInfoClient(cfg); err == nil {
			t.Errorf("%s: NewUserInfoClient accepted %+v", name, cfg)
		}
	}
	cfg := good()
	cfg.Issuer, cfg.Endpoint, cfg.AllowInsecureHTTP = "https://op.example/", "http://op.example/userinfo", true
	if _, err := idtoken.NewUserInfoClient(cfg); err != nil {
		t.Errorf("AllowInsecureHTTP: %v", err)
	}
}

// TestUserInfoEndpointFromDiscovery: with keys from jwks.FromIssuer, the
// endpoint is the discovery document's userinfo_endpoint.
func TestUserInfoEndpointFromDiscovery(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	keys, err := jwks.FromIssuer(context.Background(), f.iss.URL(), jwks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	c := f.userInfoClient(t, func(c *idtoken.UserInfoConfig) { c.Endpoint, c.Keys = "", keys })
	if c.Endpoint() != f.iss.UserInfoURL() {
		t.Fatalf("Endpoint() = %q; want %q", c.Endpoint(), f.iss.UserInfoURL())
	}
	expectUserInfo(t, c, l, nil)
}

// TestUserInfoConcurrent shares one client between goroutines.
func TestUserInfoConcurrent(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	c := f.userInfoClient(t, nil)
	var failed atomic.Int32
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			if _, err := c.Fetch(context.Background(), l.at, l.id); err != nil {
				failed.Add(1)
			}
		}()
	}
	for range 8 {
		<-done
	}
	if failed.Load() != 0 {
		t.Fatalf("%d concurrent fetches failed", failed.Load())
	}
}

// TestUserInfoLargeSignedAnswer: a signed answer may be as long as any
// answer, beyond the 16 KiB bound of tokens.
func TestUserInfoLargeSignedAnswer(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	f.iss.SignUserInfo(true)
	f.iss.SetUserInfo(tokentest.Claims{"groups": strings.Repeat("g", 20<<10)})
	if info := expectUserInfo(t, f.userInfoClient(t, nil), l, nil); len(info.Raw) <= 16<<10 {
		t.Fatalf("the answer is only %d bytes", len(info.Raw))
	}
}

// TestUserInfoMediaTypes: the media type is compared as RFC 9110 says,
// case-insensitively and with parameters, as Auth0, Google and Entra send
// "application/json; charset=utf-8"; anything else is not an answer.
func TestUserInfoMediaTypes(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	jsonBody := `{"sub":"` + l.id.Subject + `"}`
	jwtBody := f.iss.Sign(nil, tokentest.Claims{"iss": f.iss.URL(), "aud": f.iss.ClientID(), "sub": l.id.Subject})
	for _, tt := range []struct {
		contentType, body string
		signed            bool
		want              error
	}{
		{contentType: "application/json", body: jsonBody},
		{contentType: "application/json; charset=utf-8", body: jsonBody},
		{contentType: "APPLICATION/JSON;Charset=UTF-8", body: jsonBody},
		{contentType: "application/jwt", body: jwtBody, signed: true},
		{contentType: "application/jwt; charset=utf-8", body: jwtBody, signed: true},
		{contentType: "Application/JWT", body: jwtBody, signed: true},
		{contentType: "application/jwt", body: jwtBody + "\r\n", signed: true},
		{contentType: "application/jose", body: jwtBody, want: token.ErrUnavailable},
		{contentType: "application/json-patch+json", body: jsonBody, want: token.ErrUnavailable},
		{contentType: "text/plain", body: jsonBody, want: token.ErrUnavailable},
		{contentType: "application/json; charset", body: jsonBody, want: token.ErrUnavailable},
		{contentType: "application/jwt", body: jsonBody, want: token.ErrMalformed},
		{contentType: "application/json", body: jwtBody, want: token.ErrUnavailable},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			info := expectUserInfo(t, f.userInfoClient(t, endpointAt(serve(t, tt.contentType, tt.body))), l, tt.want)
			if tt.want == nil && info.Signed != tt.signed {
				t.Fatalf("Signed = %t; want %t", info.Signed, tt.signed)
			}
		})
	}
}

// TestUserInfoHostileSignedAnswers: a signed answer is held to the
// pipeline's rules like any token: no alg none, no HMAC made with a public
// key, no unknown crit, no nested JWT, no JWT of another type, and its sub
// a string.
func TestUserInfoHostileSignedAnswers(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	good := tokentest.Claims{"iss": f.iss.URL(), "aud": f.iss.ClientID(), "sub": l.id.Subject}
	b64 := base64.RawURLEncoding
	claimsJSON, err := json.Marshal(map[string]any(good))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + b64.EncodeToString(claimsJSON) + "."
	hsInput := b64.EncodeToString([]byte(`{"alg":"HS256","kid":"`+f.iss.KeyID()+`"}`)) + "." + b64.EncodeToString(claimsJSON)
	mac := hmac.New(sha256.New, []byte(f.iss.KeyID()))
	mac.Write([]byte(hsInput))
	with := func(k string, v any) tokentest.Claims {
		c := tokentest.Claims{}
		for n, x := range good {
			c[n] = x
		}
		c[k] = v
		return c
	}
	for _, tt := range []struct {
		name, body string
		want       error
	}{
		{"alg none", unsigned, token.ErrUnsupportedAlgorithm},
		{"HS256", hsInput + "." + b64.EncodeToString(mac.Sum(nil)), token.ErrUnsupportedAlgorithm},
		{"unknown crit", f.iss.Sign(tokentest.Claims{"crit": []string{"urn:x"}, "urn:x": 1}, good), token.ErrCritical},
		{"nested JWT", f.iss.Sign(tokentest.Claims{"cty": "JWT"}, good), token.ErrMalformed},
		{"typed logout+jwt", f.iss.Sign(tokentest.Claims{"typ": "logout+jwt"}, good), token.ErrTokenType},
		{"typed at+jwt", f.iss.Sign(tokentest.Claims{"typ": "at+jwt"}, good), token.ErrTokenType},
		{"sub a number", f.iss.Sign(nil, with("sub", 42)), token.ErrInvalidClaim},
		{"sub null", f.iss.Sign(nil, with("sub", nil)), token.ErrInvalidClaim},
		{"iss a number", f.iss.Sign(nil, with("iss", 1)), token.ErrInvalidClaim},
		{"issued in the future", f.iss.Sign(nil, with("iat", at(time.Hour))), token.ErrIssuedInFuture},
		{"not yet valid", f.iss.Sign(nil, with("nbf", at(time.Hour))), token.ErrNotYetValid},
		{"typed JWT", f.iss.Sign(tokentest.Claims{"typ": "JWT"}, good), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expectUserInfo(t, f.userInfoClient(t, endpointAt(serve(t, "application/jwt", tt.body))), l, tt.want)
		})
	}
}
