package token

import (
	"errors"
	"strings"
	"testing"
)

// TestValidationErrorWords: one refusal, two audiences. Description is
// what a client may read and never carries Detail or the cause; Error is
// the log line and carries everything.
func TestValidationErrorWords(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:443: connect: connection refused")
	tests := []struct {
		name     string
		err      *ValidationError
		wantDesc string
		wantErr  string
	}{
		{
			"reason only",
			Errorf(ErrExpired, "exp", "expired %d s ago", 5),
			"token expired (exp): expired 5 s ago",
			"token expired (exp): expired 5 s ago",
		},
		{
			"reason and detail",
			Errorf(ErrAudience, "aud", "the token is for %q", "https://other").WithDetail("expected %q", "https://internal-api.corp"),
			`wrong audience (aud): the token is for "https://other"`,
			`wrong audience (aud): the token is for "https://other"; expected "https://internal-api.corp"`,
		},
		{
			"reason, detail and cause",
			&ValidationError{Kind: ErrUnavailable, Reason: "the keys could not be fetched", Detail: "https://idp.corp/jwks failed", Err: cause},
			"validation unavailable: the keys could not be fetched",
			"validation unavailable: the keys could not be fetched; https://idp.corp/jwks failed: " + cause.Error(),
		},
		{
			"detail without reason",
			&ValidationError{Kind: ErrUnavailable, Detail: "the replay store is nil"},
			"validation unavailable",
			"validation unavailable: the replay store is nil",
		},
		{"zero value", &ValidationError{}, "invalid token", "invalid token"},
		{"nil", nil, "<nil>", "<nil>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Description(); got != tc.wantDesc {
				t.Errorf("Description() = %q, want %q", got, tc.wantDesc)
			}
			if got := tc.err.Error(); got != tc.wantErr {
				t.Errorf("Error() = %q, want %q", got, tc.wantErr)
			}
			if tc.err != nil && tc.err.Detail != "" && strings.Contains(tc.err.Description(), tc.err.Detail) {
				t.Error("Description carries Detail")
			}
		})
	}
	if (*ValidationError)(nil).WithDetail("x") != nil {
		t.Error("WithDetail on nil is not nil")
	}
}
