package idtoken_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
)

// TestNilValidatorRefuses checks a nil or zero Validator refuses with the
// same sentinel as accesstoken's: the fault is the program's, not the token's.
func TestNilValidatorRefuses(t *testing.T) {
	for _, v := range []*idtoken.Validator{nil, new(idtoken.Validator)} {
		tok, err := v.Validate(context.Background(), "a.b.c")
		if tok != nil || !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("Validate on %p: %v, %v; want ErrUnavailable", v, tok, err)
		}
	}
}

// TestNilLoginHelpersRefuse: the UserInfo client and the logout validator
// fail the same way, and their results' Claims decode nothing.
func TestNilLoginHelpersRefuse(t *testing.T) {
	ctx := context.Background()
	for _, v := range []*idtoken.LogoutValidator{nil, new(idtoken.LogoutValidator)} {
		lt, err := v.Validate(ctx, "a.b.c")
		if lt != nil || !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("LogoutValidator.Validate on %p: %v, %v; want ErrUnavailable", v, lt, err)
		}
	}
	for _, c := range []*idtoken.UserInfoClient{nil, new(idtoken.UserInfoClient)} {
		info, err := c.Fetch(ctx, "at", &idtoken.Token{Subject: "s"})
		if info != nil || !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("UserInfoClient.Fetch on %p: %v, %v; want ErrUnavailable", c, info, err)
		}
		if c.Endpoint() != "" || c.Close() != nil {
			t.Errorf("Endpoint or Close on %p", c)
		}
	}
	w := httptest.NewRecorder()
	(*idtoken.LogoutHandler)(nil).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("logout_token=a.b.c")))
	if w.Code != http.StatusBadRequest && w.Code != http.StatusMethodNotAllowed {
		t.Errorf("a nil LogoutHandler answered %d", w.Code)
	}
	var m map[string]any
	if (*idtoken.UserInfo)(nil).Claims(&m) != nil || new(idtoken.LogoutToken).Claims(&m) != nil || m != nil {
		t.Error("Claims on a zero answer or logout token decoded something or failed")
	}
}
