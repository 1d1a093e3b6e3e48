package idtoken_test

import (
	"context"
	"errors"
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
