// Package recent keeps the last few values a validator accepted of some
// kind (an aud array, an approval of one), for a later token that carries
// the same to skip work whose result is already known.
//
// A List holds a fixed number of immutable values in slots replaced in
// turn, the oldest first. Readers take no lock: a slot is an atomic
// pointer, and a value is never changed once stored. What a value means,
// and when a stored one may stand for a new token's, is the user's to say:
// a List only keeps them.
package recent

import "sync/atomic"

// Len is how many values a List keeps: enough for the few clients, APIs or
// key rotations one server stands for.
const Len = 4

// List keeps the last Len values stored in it. The zero value is ready and
// empty. A List must not be copied after first use.
type List[T any] struct {
	slots [Len]atomic.Pointer[T]
	next  atomic.Uint32 // the slot the next Store takes
}

// Load returns the value in slot i (0 ≤ i < Len), or nil.
func (l *List[T]) Load(i int) *T { return l.slots[i].Load() }

// Store keeps v in place of the oldest value. v must not change afterwards.
func (l *List[T]) Store(v *T) {
	l.slots[(l.next.Add(1)-1)%Len].Store(v)
}

// Find returns the first value kept for which match reports true, or nil.
func (l *List[T]) Find(match func(*T) bool) *T {
	for i := range l.slots {
		if v := l.slots[i].Load(); v != nil && match(v) {
			return v
		}
	}
	return nil
}
