package tokencache

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPackRoundTrip(t *testing.T) {
	times := []time.Time{
		{}, time.Unix(0, 0).UTC(), time.Unix(1_800_000_000, 123_456_789).UTC(), time.Unix(-1, 999_999_999).UTC(),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	}
	strs := []string{"", "a", strings.Repeat("x", 127), strings.Repeat("y", 128), strings.Repeat("z", 70_000)}
	var b []byte
	for _, tm := range times {
		b = AppendTime(b, tm)
	}
	for _, s := range strs {
		b = AppendString(b, s)
	}
	b = AppendUint(b, 1<<63)
	srcs := make([]*string, len(strs))
	for i := range strs {
		srcs[i] = &strs[i]
	}
	b = AppendStrings(b, srcs)
	b = AppendUint(b, 7)
	f := NewFields(string(b))
	for _, want := range times {
		require.Equal(t, want, f.Time(), "the same instant, in UTC, and == to the original")
	}
	for _, want := range strs {
		require.Equal(t, want, f.String())
	}
	require.Equal(t, uint64(1<<63), f.Uint())
	got := make([]string, len(strs))
	got[0] = "kept" // an empty value leaves its string as it was
	ptrs := make([]*string, len(strs))
	for i := range got {
		ptrs[i] = &got[i]
	}
	f.Strings(ptrs)
	require.Equal(t, append([]string{"kept"}, strs[1:]...), got)
	require.True(t, f.OK())
	require.Equal(t, uint64(7), f.Uint(), "what follows the strings")
	require.True(t, f.OK())
	require.Equal(t, "", f.String(), "past the end")
	require.False(t, f.OK())
}

// A damaged packed string reads as zero values with OK false, never a
// panic.
func TestFieldsRefuseDamage(t *testing.T) {
	b := AppendTime(nil, time.Unix(1_800_000_000, 5).UTC())
	v := strings.Repeat("v", 200)
	b = AppendStrings(b, []*string{&v})
	for n := range len(b) {
		f := NewFields(string(b[:n]))
		f.Time()
		var s string
		f.Strings([]*string{&s})
		require.False(t, f.OK(), "cut to %d bytes", n)
	}
	// Strings for more fields than the reader has.
	f := NewFields("\x06\x01a\x01b")
	var one string
	f.Strings([]*string{&one})
	require.False(t, f.OK())
	require.Equal(t, "", one)
	for _, bad := range []string{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "\x80", "\xff\xff\xff\xff\x0f\x00"} {
		f := NewFields(bad)
		require.Equal(t, time.Time{}, f.Time())
		require.False(t, f.OK(), "%q", bad)
		f = NewFields(bad)
		require.Equal(t, "", f.String())
		require.False(t, f.OK(), "%q", bad)
	}
}

// TestUintAgreesWithUvarint holds Uint to encoding/binary's reading of the
// same bytes: a value of more than 64 bits is malformed, not wrapped.
func TestUintAgreesWithUvarint(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("\xff", 9) + "\x7f", // 70 bits
		strings.Repeat("\xff", 9) + "\x02",
		strings.Repeat("\xff", 9) + "\x01", // the largest uint64
		"\x00", "\x7f", "\x80\x01",
	} {
		want, n := binary.Uvarint([]byte(in))
		f := NewFields(in)
		got := f.Uint()
		require.Equal(t, n > 0, f.OK(), "%q", in)
		if n > 0 {
			require.Equal(t, want, got, "%q", in)
		} else {
			require.Zero(t, got, "%q", in)
		}
	}
}

// FuzzFields reads arbitrary bytes as a packed string: never a panic, and
// a string read is always part of the input.
func FuzzFields(f *testing.F) {
	f.Add(string(AppendString(AppendTime(nil, time.Unix(1_800_000_000, 5)), "value")))
	f.Add("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	f.Fuzz(func(t *testing.T, packed string) {
		r := NewFields(packed)
		for range 8 {
			r.Time()
			if s := r.String(); !strings.Contains(packed, s) {
				t.Fatalf("read %q, not in the input", s)
			}
			var s string
			r.Strings([]*string{&s})
			r.Uint()
		}
	})
}
