package token

import (
	"hash/maphash"
	"strings"
	"sync/atomic"

	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// The tokens of one issuer signed with one key carry the same header,
// byte for byte: a server sees a handful of distinct headers among
// millions of tokens. The pipeline keeps the headers of the last few tokens
// it accepted with the segment each came from, and a token whose header
// segment is one of them takes the parsed Header as it is, without
// decoding or parsing the segment again.
//
// Parsing a header is a pure function of its segment and of the
// Verifier's Critical list, which never changes, so a remembered header is
// exactly what parsing the segment again would give. Everything the
// pipeline checks on a header after parsing it (the algorithm, CheckHeader,
// the key) is checked on every token as before. Only the headers of
// accepted tokens are remembered, so tokens made up with ever new headers
// cannot push out the issuer's.

// headerMemoWays is how many parsed headers a Verifier keeps: enough for
// the keys of a rotation (old and new) and a few issuers.
const headerMemoWays = 4

// maxMemoSegment bounds the header segments a Verifier remembers, so that
// a stream of tokens with huge headers cannot make it keep them.
const maxMemoSegment = 512

// headerMemos are a Verifier's remembered headers. The zero value is
// ready: it remembers nothing until a header is stored.
type headerMemos struct {
	seed  maphash.Seed
	ways  [headerMemoWays]atomic.Pointer[headerMemo]
	ready bool // seed is set
}

// headerMemo is one parsed header and the segment it came from. It is never
// changed once stored: a hit copies header, whose spans and text it then
// shares with every other token that carried the same segment, read only.
type headerMemo struct {
	segment string
	header  Header
	spans   [headerMemoSpans]strictjson.Span
}

// headerMemoSpans is how many members a remembered header may have: as
// many as a Result holds without an allocation of its own.
const headerMemoSpans = len(resultStorage{}.headerMembers)

func newHeaderMemos() headerMemos {
	return headerMemos{seed: maphash.MakeSeed(), ready: true}
}

func (m *headerMemos) way(segment string) *atomic.Pointer[headerMemo] {
	return &m.ways[maphash.String(m.seed, segment)%headerMemoWays]
}

// load returns the memo of segment, or nil when none is kept.
func (m *headerMemos) load(segment string) *headerMemo {
	if !m.ready || len(segment) > maxMemoSegment {
		return nil
	}
	e := m.way(segment).Load()
	if e == nil || e.segment != segment {
		return nil
	}
	return e
}

// store remembers h, parsed from segment for a token just accepted. h's
// strings must be substrings of a text that holds the header alone (the
// pipeline parses a header from a string of its own), so that the memo
// keeps no claims alive; segment is copied for the same reason, and the
// members are copied out of the token's Result. A header with crit is not
// remembered: its Critical list is a slice a caller could change, and such
// headers are rare.
func (m *headerMemos) store(segment string, h *Header) {
	if !m.ready || len(segment) > maxMemoSegment || len(h.Critical) > 0 || len(h.spans) > headerMemoSpans {
		return
	}
	e := &headerMemo{segment: strings.Clone(segment), header: *h}
	n := copy(e.spans[:], h.spans)
	e.header.spans = e.spans[:n:n]
	m.way(segment).Store(e)
}
