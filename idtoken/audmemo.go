package idtoken

import "github.com/tokenguard/tokenguard/internal/recent"

// The ID tokens a client receives carry the same aud, byte for byte, and
// where aud is a long array, checking it (one set lookup per audience) is a
// good part of what a token costs beyond its signature. A Validator
// therefore remembers the long aud arrays of the last few tokens it
// accepted, with the client ID they were checked for. A token whose aud
// text is one of them, for the same client ID, passes the audience rule
// without the lookups: the rule is a pure function of the text, the client
// ID and the configuration, which never changes. Only the arrays of
// accepted tokens are remembered, so tokens made up with ever new arrays
// cannot push out the issuer's.

// minApprovedAudiences is the fewest audiences an array must have to be
// remembered: a shorter one costs less to check than to compare.
const minApprovedAudiences = 8

// audApprovals are a Validator's remembered aud arrays, the last
// recent.Len approved. The zero value is ready.
type audApprovals struct {
	list recent.List[audApproval]
}

// audApproval is one aud text, as a token carried it (a substring of its
// claims, which it keeps alive), that the audience rule accepted for
// clientID. It is never changed once stored.
type audApproval struct {
	clientID string
	text     string
}

// approved reports whether text was remembered as accepted for clientID.
func (m *audApprovals) approved(clientID, text string) bool {
	return m.list.Find(func(e *audApproval) bool { return e.text == text && e.clientID == clientID }) != nil
}

// remember notes text, the aud of a token just accepted for clientID,
// unless it is noted already.
func (m *audApprovals) remember(clientID, text string) {
	if !m.approved(clientID, text) {
		m.list.Store(&audApproval{clientID: clientID, text: text})
	}
}
