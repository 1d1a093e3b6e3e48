package attackkit

import "strconv"

// AddMembers adds n members named m0, m1, ... with the value 0 to claims
// and returns it: the many-members shape of a claims set that is costly to
// read, which a verifier checks the signature of before reading.
func AddMembers[M ~map[string]any](claims M, n int) M {
	for i := range n {
		claims["m"+strconv.Itoa(i)] = 0
	}
	return claims
}
