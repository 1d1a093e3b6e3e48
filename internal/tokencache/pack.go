package tokencache

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// A validator keeps its result in an entry as one packed string, built with
// the Append functions and read back in the same order with Fields, rather
// than as its result type: a token's struct is mostly pointers (each string
// a pointer and a length, each time a location pointer) the garbage
// collector traces on every cycle, and mostly empty fields, while the
// packed form is one pointer-free allocation the size of the values, and an
// empty string in it costs one byte.
//
// Each value is a uvarint (see encoding/binary) or, for a string, its length
// as a uvarint followed by its bytes.

// AppendUint appends n to b.
func AppendUint(b []byte, n uint64) []byte { return binary.AppendUvarint(b, n) }

// AppendString appends s to b.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// AppendStrings appends the strings srcs points to, at most 64: which of
// them are not empty, as one uvarint, then those. Most claims of a token
// are absent, and an absent one then costs neither a byte nor, when
// Strings reads them back, a step.
func AppendStrings(b []byte, srcs []*string) []byte {
	var present uint64
	for i, s := range srcs[:min(len(srcs), 64)] {
		if *s != "" {
			present |= 1 << i
		}
	}
	b = binary.AppendUvarint(b, present)
	for i, s := range srcs[:min(len(srcs), 64)] {
		if present&(1<<i) != 0 {
			b = AppendString(b, *s)
		}
	}
	return b
}

// AppendTime appends t's instant to b: one byte for the zero time, else
// its nanoseconds and its seconds since the epoch. Fields.Time reads it
// back in UTC.
func AppendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(t.Nanosecond())+1)
	return binary.AppendVarint(b, t.Unix())
}

// Fields reads a packed string back, value by value, in the order it was
// appended. The strings it returns share the packed string's memory. A read
// past the end or of a malformed value returns the zero value and makes OK
// report false from then on; it never panics.
type Fields struct {
	rest string
	bad  bool
}

// NewFields returns a Fields reading packed from its start.
func NewFields(packed string) Fields { return Fields{rest: packed} }

// OK reports whether every read so far found its value.
func (f *Fields) OK() bool { return !f.bad }

// Uint reads a value written by AppendUint.
func (f *Fields) Uint() uint64 {
	var n uint64
	for i := 0; i < len(f.rest) && i < binary.MaxVarintLen64; i++ {
		c := f.rest[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break // more than 64 bits: malformed, as binary.Uvarint says
		}
		n |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			f.rest = f.rest[i+1:]
			return n
		}
	}
	f.fail()
	return 0
}

// String reads a value written by AppendString.
func (f *Fields) String() string {
	n := f.Uint()
	if n > uint64(len(f.rest)) {
		f.fail()
		return ""
	}
	s := f.rest[:n]
	f.rest = f.rest[n:]
	return s
}

// Strings reads what AppendStrings wrote into the strings dst points to (as
// many as were written), leaving a string as it is where the value was
// empty: filling a new struct writes only the fields that have a value.
func (f *Fields) Strings(dst []*string) {
	present := f.Uint()
	if len(dst) < 64 && present>>len(dst) != 0 {
		f.fail()
		return
	}
	for ; present != 0; present &= present - 1 {
		p := dst[bits.TrailingZeros64(present)]
		// A string under 128 bytes, as most claims are, has a one-byte
		// length, read here without a call.
		if r := f.rest; len(r) > 0 && r[0] < 0x80 && int(r[0]) < len(r) {
			n := int(r[0]) + 1
			*p, f.rest = r[1:n], r[n:]
			continue
		}
		if *p = f.String(); f.bad {
			return
		}
	}
}

// Time reads a value written by AppendTime, in UTC.
func (f *Fields) Time() time.Time {
	nsec := f.Uint()
	if nsec == 0 || nsec > 1e9 {
		if nsec != 0 {
			f.fail()
		}
		return time.Time{}
	}
	u := f.Uint()
	sec := int64(u >> 1)
	if u&1 != 0 {
		sec = ^sec
	}
	if f.bad {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec-1)).UTC()
}

func (f *Fields) fail() { f.bad, f.rest = true, "" }
