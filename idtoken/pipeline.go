package idtoken

import (
	"fmt"

	"github.com/tokenguard/tokenguard/token"
)

// newVerifier builds the JWS pipeline for one of this package's validators:
// vc as given, with the package's default allow-list (RS256) when
// vc.Algorithms is nil, and errors named for the package.
func newVerifier(vc token.VerifierConfig) (*token.Verifier, error) {
	if vc.Algorithms == nil {
		vc.Algorithms = defaultAlgorithms
	}
	v, err := token.NewVerifier(vc)
	if err != nil {
		return nil, fmt.Errorf("idtoken: %w", err)
	}
	return v, nil
}
