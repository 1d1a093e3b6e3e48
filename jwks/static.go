package jwks

import (
	"context"

	"github.com/tokenguard/tokenguard/token"
)

// StaticSource is a token.KeySource over a fixed key set, for keys that are
// configured rather than fetched (a pinned JWKS file, keys from a vault, a
// symmetric secret). It never touches the network.
type StaticSource struct {
	set *token.KeySet
}

var _ token.KeySource = (*StaticSource)(nil)

// Static returns a key source that always answers with set. A nil set holds
// no keys, so every token is refused with token.ErrKeyNotFound.
func Static(set *token.KeySet) *StaticSource {
	return &StaticSource{set: set}
}

// Keys returns the fixed set. When the source holds no set (Static(nil), a
// nil or zero StaticSource) it returns token.ErrKeyNotFound instead.
func (s *StaticSource) Keys(ctx context.Context, kid string) (*token.KeySet, error) {
	if s == nil || s.set == nil {
		return nil, token.Errorf(token.ErrKeyNotFound, "header.kid", "the static key source holds no keys")
	}
	return s.set, nil
}
