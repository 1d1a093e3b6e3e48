package attackkit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokenguard/tokenguard/internal/attackkit"
)

func TestAddMembers(t *testing.T) {
	type claims map[string]any
	c := attackkit.AddMembers(claims{"iss": "x"}, 3)
	assert.Equal(t, claims{"iss": "x", "m0": 0, "m1": 0, "m2": 0}, c)
	assert.Len(t, attackkit.AddMembers(map[string]any{}, 1200), 1200)
}
