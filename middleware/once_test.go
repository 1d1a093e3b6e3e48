package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/middleware"
)

// countingValidator is fakeValidator counting its calls.
type countingValidator struct{ calls atomic.Int64 }

func (c *countingValidator) Validate(ctx context.Context, raw string) (*accesstoken.Token, error) {
	c.calls.Add(1)
	return fakeValidator(ctx, raw)
}

// wrappers are the four ways to protect a handler, each with a requirement
// goodToken meets.
func wrappers(m *middleware.Middleware) map[string]func(http.Handler) http.Handler {
	return map[string]func(http.Handler) http.Handler{
		"Handler":            m.Handler,
		"Require":            m.Require("read:appointments"),
		"RequireAny":         m.RequireAny("write:appointments", "read:appointments"),
		"RequirePermissions": m.RequirePermissions("read:appointments"),
	}
}

func serveWith(t *testing.T, h http.Handler, tok string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/appointments", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The router pattern of chi and its kind: the group's middleware validates
// (r.Use(mw.Handler)), then a route adds a requirement
// (r.With(mw.Require("scope"))). The same Middleware validates a request's
// token once, whatever the combination; two Middlewares validate it once
// each, since one's validator may accept what the other's refuses.
func TestValidatesOncePerRequest(t *testing.T) {
	for _, outerName := range []string{"Handler", "Require", "RequireAny", "RequirePermissions"} {
		for _, innerName := range []string{"Handler", "Require", "RequireAny", "RequirePermissions"} {
			t.Run(outerName+"/"+innerName, func(t *testing.T) {
				var v countingValidator
				m := middleware.New(&v, middleware.Options{})
				h := wrappers(m)[outerName](wrappers(m)[innerName](whoami))
				for i := range 3 {
					w := serveWith(t, h, goodToken)
					require.Equal(t, http.StatusOK, w.Code, w.Body.String())
					assert.Equal(t, "sub=user-1", w.Body.String())
					assert.Equal(t, int64(i+1), v.calls.Load(), "validator calls after %d requests", i+1)
				}
			})
			t.Run(outerName+"/"+innerName+"/two middlewares", func(t *testing.T) {
				var v1, v2 countingValidator
				m1 := middleware.New(&v1, middleware.Options{})
				m2 := middleware.New(&v2, middleware.Options{})
				h := wrappers(m1)[outerName](wrappers(m2)[innerName](whoami))
				w := serveWith(t, h, goodToken)
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				assert.Equal(t, int64(1), v1.calls.Load())
				assert.Equal(t, int64(1), v2.calls.Load(), "a different middleware's token is never reused")
			})
		}
	}
}

// Three layers of one Middleware: still one validation.
func TestValidatesOnceThroughThreeLayers(t *testing.T) {
	var v countingValidator
	m := middleware.New(&v, middleware.Options{})
	h := m.Handler(m.RequireAny("read:appointments")(m.RequirePermissions("read:appointments")(whoami)))
	w := serveWith(t, h, goodToken)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, int64(1), v.calls.Load())
}

// A reused token still meets each layer's own requirement: the inner
// layer's 403 comes without a second validation.
func TestReusedTokenIsHeldToEachRequirement(t *testing.T) {
	for name, inner := range map[string]func(*middleware.Middleware) func(http.Handler) http.Handler{
		"Require": func(m *middleware.Middleware) func(http.Handler) http.Handler { return m.Require("write:appointments") },
		"RequireAny": func(m *middleware.Middleware) func(http.Handler) http.Handler {
			return m.RequireAny("admin", "write:appointments")
		},
		"RequirePermissions": func(m *middleware.Middleware) func(http.Handler) http.Handler {
			return m.RequirePermissions("write:appointments")
		},
	} {
		t.Run(name, func(t *testing.T) {
			var v countingValidator
			m := middleware.New(&v, middleware.Options{})
			reached := false
			h := m.Handler(inner(m)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })))
			w := serveWith(t, h, goodToken)
			assert.Equal(t, http.StatusForbidden, w.Code)
			assert.Contains(t, w.Header().Get("WWW-Authenticate"), `error="insufficient_scope"`)
			assert.False(t, reached)
			assert.Equal(t, int64(1), v.calls.Load())

			w = serveWith(t, h, adminToken)
			assert.Equal(t, http.StatusOK, w.Code)
			assert.True(t, reached)
		})
	}
}

// Only a token this Middleware validated from this very request's token is
// reused: not one a handler or a test put in the context with WithToken,
// and not one validated from a token the request no longer carries.
func TestOnlyOwnValidationIsReused(t *testing.T) {
	var v countingValidator
	m := middleware.New(&v, middleware.Options{})

	t.Run("WithToken", func(t *testing.T) {
		v.calls.Store(0)
		planted := &accesstoken.Token{Subject: "planted", Scopes: []string{"read:appointments"}}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.Require("read:appointments")(whoami).ServeHTTP(w, r.WithContext(middleware.WithToken(r.Context(), planted)))
		})
		w := serveWith(t, h, goodToken)
		assert.Equal(t, "sub=user-1", w.Body.String(), "the planted token was taken as validated")
		assert.Equal(t, int64(1), v.calls.Load())
		w = serveWith(t, h, "made-up")
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})

	t.Run("token changed between layers", func(t *testing.T) {
		v.calls.Store(0)
		h := m.Handler(swapTo(adminToken, m.Require("write:appointments")(whoami)))
		w := serveWith(t, h, goodToken)
		assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "sub=admin-1", w.Body.String(), "the inner layer validated the token the request now carries")
		assert.Equal(t, int64(2), v.calls.Load())

		w = serveWith(t, m.Handler(swapTo("made-up", m.Handler(whoami))), goodToken)
		assert.Equal(t, http.StatusUnauthorized, w.Code, "a token swapped for a bad one is refused, not reused")
	})

	t.Run("separate requests", func(t *testing.T) {
		v.calls.Store(0)
		h := m.Handler(m.Require("read:appointments")(whoami))
		for i := range 5 {
			serveWith(t, h, goodToken)
			assert.Equal(t, int64(i+1), v.calls.Load(), "each request is validated")
		}
		w := serveWith(t, h, strings.ToUpper(goodToken))
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
}

func swapTo(tok string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
		next.ServeHTTP(w, r)
	})
}
