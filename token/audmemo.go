package token

import (
	"slices"

	"github.com/tokenguard/tokenguard/internal/recent"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// The tokens that one client or one API receives from an issuer carry the
// same aud, byte for byte. Where aud is a long array (a token meant for a
// hundred APIs), reading it is a good part of what a token costs beyond
// its signature: the strict scan of the array, then its strings, one by
// one. A Verifier therefore keeps the long aud arrays of the last few
// tokens it accepted, as they appeared and as read. A token whose aud is
// one of them takes it without reading it twice: the scanner steps over
// it (strictjson.Known: a JSON value reads the same, to the same end,
// wherever it starts at the same depth), and the audiences are copied from
// the memo.
//
// Reading aud is a pure function of its text, so a remembered array is
// exactly what reading the text again would give. Every check of the
// audiences (the validators' rules, CheckClaims) still runs on every token.
// Only the arrays of accepted tokens are stored, so tokens made up with
// ever new arrays cannot push out the issuer's.

// minMemoAudience is the shortest aud text, in bytes, a Verifier
// remembers: a shorter one (the usual one or two audiences) costs less to
// read than to look up.
const minMemoAudience = 256

// audMemos are a Verifier's remembered aud arrays, the last recent.Len
// stored. The zero value is ready.
type audMemos struct {
	list recent.List[audMemo]
}

// audMemo is one aud array, never changed once stored: text is the value
// as a token carried it (a substring of that token's claims, which it
// keeps alive: at most recent.Len claims sets per Verifier), and list the
// audiences read from it, which a hit copies.
type audMemo struct {
	text string
	list []string
}

// audMemoHits are the memos loaded for one token.
type audMemoHits [recent.Len]*audMemo

// load fills memos with the remembered arrays, and vals with their texts,
// when payload is long enough to hold one, and returns how many there
// are. Both are the caller's, on its stack: load keeps neither.
func (m *audMemos) load(payload []byte, memos *audMemoHits, vals *[recent.Len]string) int {
	if m == nil || len(payload) < minMemoAudience {
		return 0
	}
	n := 0
	for i := range recent.Len {
		if e := m.list.Load(i); e != nil {
			memos[n], vals[n] = e, e.text
			n++
		}
	}
	return n
}

// find returns the remembered array whose text is text, or nil.
func (h *audMemoHits) find(text string) *audMemo {
	if len(text) < minMemoAudience {
		return nil
	}
	for _, e := range h {
		if e != nil && e.text == text {
			return e
		}
	}
	return nil
}

// store remembers aud, an accepted token's aud array of at least
// minMemoAudience bytes, read again here, in place of the oldest array kept.
func (m *audMemos) store(aud strictjson.Checked[string]) {
	text := aud.Text()
	if m == nil || len(text) < minMemoAudience {
		return
	}
	if list, ok := strictjson.Strings(aud, nil); ok {
		m.list.Store(&audMemo{text: text, list: slices.Clip(list)})
	}
}
