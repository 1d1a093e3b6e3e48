package idtoken_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// ended records the logout tokens a LogoutHandler's End was called with.
type ended struct {
	tokens []*idtoken.LogoutToken
	err    error
}

func (e *ended) end(_ context.Context, t *idtoken.LogoutToken) error {
	e.tokens = append(e.tokens, t)
	return e.err
}

// post sends a back-channel logout request to h and returns the answer.
func post(t *testing.T, h http.Handler, method, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "/backchannel-logout", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const formType = "application/x-www-form-urlencoded"

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// errorBody checks a §2.8 error answer and returns its error code and
// description.
func errorBody(t *testing.T, w *httptest.ResponseRecorder, status int) (code, desc string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d; want %d (body %s)", w.Code, status, w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q; want no-store", w.Header().Get("Cache-Control"))
	}
	if w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", w.Header().Get("Content-Type"))
	}
	var b struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return b.Error, b.Description
}

func TestLogoutHandlerEndsTheSession(t *testing.T) {
	f := newFixture(t)
	var e ended
	var logs bytes.Buffer
	h := &idtoken.LogoutHandler{Validator: f.logoutValidator(t, nil), End: e.end, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	raw := f.iss.LogoutToken(nil)
	// The OpenID Foundation's suite adds a parameter the handler must ignore.
	w := post(t, h, http.MethodPost, formType+"; charset=UTF-8", form("logout_token", raw, "ignored_parameter", "x"))
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q; want 200, no-store", w.Code, w.Header().Get("Cache-Control"))
	}
	if len(e.tokens) != 1 || e.tokens[0].SessionID != f.iss.SessionID() || e.tokens[0].Subject != f.iss.Subject() {
		t.Fatalf("End called with %+v", e.tokens)
	}
	if !strings.Contains(logs.String(), "back-channel logout") || strings.Contains(logs.String(), raw) {
		t.Fatalf("log: %s", logs.String())
	}

	// The same token again is a replay: 400, and nothing more is ended.
	w = post(t, h, http.MethodPost, formType, form("logout_token", raw))
	code, desc := errorBody(t, w, http.StatusBadRequest)
	if code != "invalid_request" || !strings.Contains(desc, token.ErrReplay.Error()) {
		t.Fatalf("replay answered %q: %q", code, desc)
	}
	if len(e.tokens) != 1 {
		t.Fatal("End called for a replayed token")
	}
}

func TestLogoutHandlerRefusals(t *testing.T) {
	f := newFixture(t)
	good := func() string { return form("logout_token", f.iss.LogoutToken(nil)) }
	for _, tt := range []struct {
		name, method, contentType, body string
		status                          int
		code                            string
	}{
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed, "invalid_request"},
		{"PUT", http.MethodPut, formType, good(), http.StatusMethodNotAllowed, "invalid_request"},
		{"JSON body", http.MethodPost, "application/json", `{"logout_token":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"no content type", http.MethodPost, "", good(), http.StatusBadRequest, "invalid_request"},
		{"no logout_token", http.MethodPost, formType, form("id_token", f.iss.IDToken(nil)), http.StatusBadRequest, "invalid_request"},
		{"empty logout_token", http.MethodPost, formType, form("logout_token", ""), http.StatusBadRequest, "invalid_request"},
		{"two logout_tokens", http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(nil), "logout_token", f.iss.LogoutToken(nil)), http.StatusBadRequest, "invalid_request"},
		{"body over 64 KiB", http.MethodPost, formType, "logout_token=" + strings.Repeat("a", 70<<10), http.StatusBadRequest, "invalid_request"},
		{"HEAD", http.MethodHead, "", "", http.StatusMethodNotAllowed, "invalid_request"},
		{"multipart body", http.MethodPost, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"logout_token\"\r\n\r\n" + f.iss.LogoutToken(nil) + "\r\n--x--\r\n", http.StatusBadRequest, "invalid_request"},
		{"text body", http.MethodPost, "text/plain", good(), http.StatusBadRequest, "invalid_request"},
		{"malformed content type", http.MethodPost, formType + "; charset", good(), http.StatusBadRequest, "invalid_request"},
		{"logout_token twice, one empty", http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(nil), "logout_token", ""), http.StatusBadRequest, "invalid_request"},
		{"logout_token in the body, no value", http.MethodPost, formType, "logout_token", http.StatusBadRequest, "invalid_request"},
		{"a logout token with a nonce", http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(tokentest.Claims{"nonce": "n"})), http.StatusBadRequest, "invalid_request"},
		{"an ID token", http.MethodPost, formType, form("logout_token", f.iss.IDToken(nil)), http.StatusBadRequest, "invalid_request"},
		{"for another client", http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(tokentest.Claims{"aud": "x"})), http.StatusBadRequest, "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e ended
			h := &idtoken.LogoutHandler{Validator: f.logoutValidator(t, nil), End: e.end}
			w := post(t, h, tt.method, tt.contentType, tt.body)
			code, desc := errorBody(t, w, tt.status)
			if code != tt.code || desc == "" {
				t.Fatalf("error %q, description %q; want %q", code, desc, tt.code)
			}
			if tt.status == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Fatalf("Allow %q", w.Header().Get("Allow"))
			}
			if len(e.tokens) != 0 {
				t.Fatal("End called for a refused request")
			}
		})
	}
	t.Run("logout_token in the query only", func(t *testing.T) {
		var e ended
		h := &idtoken.LogoutHandler{Validator: f.logoutValidator(t, nil), End: e.end}
		r := httptest.NewRequest(http.MethodPost, "/backchannel-logout?"+form("logout_token", f.iss.LogoutToken(nil)), strings.NewReader(""))
		r.Header.Set("Content-Type", formType)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if code, _ := errorBody(t, w, http.StatusBadRequest); code != "invalid_request" || len(e.tokens) != 0 {
			t.Fatalf("error %q, End called %d times", code, len(e.tokens))
		}
	})
	t.Run("content type in capitals", func(t *testing.T) {
		var e ended
		h := &idtoken.LogoutHandler{Validator: f.logoutValidator(t, nil), End: e.end}
		if w := post(t, h, http.MethodPost, "Application/X-WWW-Form-URLEncoded; Charset=UTF-8", good()); w.Code != http.StatusOK || len(e.tokens) != 1 {
			t.Fatalf("status %d, End called %d times", w.Code, len(e.tokens))
		}
	})
	t.Run("description speaks of the token only", func(t *testing.T) {
		v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) { c.ClientID = "secret-client-config" })
		h := &idtoken.LogoutHandler{Validator: v, End: (&ended{}).end}
		raw := f.iss.LogoutToken(nil)
		_, desc := errorBody(t, post(t, h, http.MethodPost, formType, form("logout_token", raw)), http.StatusBadRequest)
		if desc != "logout token refused: wrong audience (aud)" {
			t.Fatalf("description %q", desc)
		}
	})
}

func TestLogoutHandlerFailures(t *testing.T) {
	t.Run("keys unreachable", func(t *testing.T) {
		f := newFixture(t)
		v := f.logoutValidator(t, func(c *idtoken.LogoutConfig) {
			c.Keys = token.KeySourceFunc(func(context.Context, string) (*token.KeySet, error) {
				return nil, errors.New("dial tcp: connection refused")
			})
		})
		var e ended
		w := post(t, &idtoken.LogoutHandler{Validator: v, End: e.end}, http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(nil)))
		code, desc := errorBody(t, w, http.StatusBadRequest)
		if code != "temporarily_unavailable" || strings.Contains(desc, "dial") {
			t.Fatalf("error %q: %q", code, desc)
		}
	})
	t.Run("End fails", func(t *testing.T) {
		f := newFixture(t)
		e := ended{err: errors.New("session store: connection reset")}
		w := post(t, &idtoken.LogoutHandler{Validator: f.logoutValidator(t, nil), End: e.end}, http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(nil)))
		code, desc := errorBody(t, w, http.StatusBadRequest)
		if code != "server_error" || strings.Contains(desc, "session store") || len(e.tokens) != 1 {
			t.Fatalf("error %q: %q", code, desc)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		f := newFixture(t)
		for _, h := range []*idtoken.LogoutHandler{{}, {Validator: f.logoutValidator(t, nil)}, {End: (&ended{}).end}} {
			code, _ := errorBody(t, post(t, h, http.MethodPost, formType, form("logout_token", f.iss.LogoutToken(nil))), http.StatusBadRequest)
			if code != "temporarily_unavailable" {
				t.Fatalf("error %q", code)
			}
		}
	})
}
