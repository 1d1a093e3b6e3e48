package idtoken

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"

	"github.com/tokenguard/tokenguard/token"
)

// maxLogoutRequest bounds a back-channel logout request's body: a logout
// token of the largest size a validator accepts by default, form-encoded,
// with room for other parameters.
const maxLogoutRequest = 64 << 10

// LogoutHandler is the http.Handler of an application's back-channel logout
// URI (OpenID Connect Back-Channel Logout 1.0 §2.5–§2.8). It reads the
// logout_token parameter of a form-encoded POST, validates it with
// Validator, calls End with what it asks to end, and answers the provider:
//
//   - 200 when End succeeded: the sessions are ended (§2.8);
//   - 400 with a JSON body {"error": ..., "error_description": ...} when the
//     request or the logout token is refused ("invalid_request"), when the
//     logout could not be done now because keys or the replay store could
//     not be reached ("temporarily_unavailable"), or when End failed
//     ("server_error"), as §2.8 requires of a logout that failed;
//   - 405 with Allow: POST for another method.
//
// Every answer carries Cache-Control: no-store. The error_description
// speaks of the logout token only; the full error goes to Logger.
//
// The token's jti is spent once it validates, before End runs: a logout
// token replayed later (after the user logged in again) is refused and ends
// nothing. So End should not fail for a reason a retry would fix: a provider
// retrying with the same token would be refused as a replay.
type LogoutHandler struct {
	// Validator validates the logout tokens. A nil Validator refuses every
	// request as temporarily unavailable.
	Validator *LogoutValidator
	// End ends the sessions the token names: every session of
	// t.Subject at t.Issuer when t.SessionID is empty, otherwise the
	// session t.SessionID (of t.Subject, when set). A session already ended
	// is a success (§2.7). An error makes the answer a 400 "server_error".
	// A nil End refuses every request as temporarily unavailable.
	End func(ctx context.Context, t *LogoutToken) error
	// Logger, if not nil, receives a line for each request refused or
	// failed (with the reason, never the token) and each logout done.
	Logger *slog.Logger
}

// ServeHTTP implements http.Handler.
func (h *LogoutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, r, http.StatusMethodNotAllowed, "invalid_request", "use POST", nil)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		h.fail(w, r, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded", nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutRequest)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "invalid_request", "the body is not a form of at most 64 KiB", err)
		return
	}
	tokens := r.PostForm["logout_token"]
	if len(tokens) != 1 || tokens[0] == "" {
		h.fail(w, r, http.StatusBadRequest, "invalid_request", "the body must carry exactly one logout_token", nil)
		return
	}
	if h == nil || h.Validator == nil || h.End == nil {
		h.fail(w, r, http.StatusBadRequest, "temporarily_unavailable", "the logout could not be processed now", errors.New("idtoken: LogoutHandler has no Validator or no End"))
		return
	}
	ctx := r.Context()
	lt, err := h.Validator.Validate(ctx, tokens[0])
	if err != nil {
		if errors.Is(err, token.ErrUnavailable) {
			h.fail(w, r, http.StatusBadRequest, "temporarily_unavailable", "the logout could not be processed now; try again later", err)
			return
		}
		h.fail(w, r, http.StatusBadRequest, "invalid_request", "logout token refused: "+describe(err), err)
		return
	}
	if err := h.End(ctx, lt); err != nil {
		h.fail(w, r, http.StatusBadRequest, "server_error", "the sessions could not be ended", err)
		return
	}
	if h.Logger != nil {
		h.Logger.LogAttrs(ctx, slog.LevelInfo, "back-channel logout", slog.String("iss", lt.Issuer),
			slog.String("sub", lt.Subject), slog.String("sid", lt.SessionID))
	}
	w.WriteHeader(http.StatusOK)
}

// describe says what was wrong with the token in words fit for the
// provider: the kind of refusal and the claim, never a configured value.
func describe(err error) string {
	var ve *token.ValidationError
	if !errors.As(err, &ve) || ve.Kind == nil {
		return "invalid token"
	}
	if ve.Claim != "" {
		return ve.Kind.Error() + " (" + ve.Claim + ")"
	}
	return ve.Kind.Error()
}

// fail answers status with an OAuth-style error body and logs err.
func (h *LogoutHandler) fail(w http.ResponseWriter, r *http.Request, status int, code, description string, err error) {
	if h != nil && h.Logger != nil {
		attrs := []slog.Attr{slog.Int("status", status), slog.String("error", code)}
		if err != nil {
			attrs = append(attrs, slog.String("reason", err.Error()))
		}
		h.Logger.LogAttrs(r.Context(), slog.LevelWarn, "back-channel logout refused", attrs...)
	}
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
