package token

import "testing"

func TestTextView(t *testing.T) {
	buf := []byte(`{"a":"xyz","b":"q\"r"}`)
	v := newTextView(buf)
	members := []struct {
		value []byte
		want  string
		ok    bool
	}{
		{buf[5:10], "xyz", true},           // "xyz", a substring of v.str
		{buf[15:21], `q"r`, true},          // escapes are decoded (a copy)
		{buf[1:4], "a", true},              // a name
		{buf[0:1], "", false},              // not a string
		{[]byte(`"other"`), "other", true}, // not in buf: copied
	}
	for _, m := range members {
		got, ok := v.String(m.value)
		if got != m.want || ok != m.ok {
			t.Errorf("String(%s) = %q %v; want %q %v", m.value, got, ok, m.want, m.ok)
		}
	}
	// A value at the same offset of another buffer is not mistaken for one in buf.
	other := []byte(`{"a":"abc","b":"q\"r"}`)
	if got, _ := v.String(other[5:10]); got != "abc" {
		t.Errorf("a value from another buffer read as %q", got)
	}
	// A view without its string copy still answers, by copying.
	if got, ok := (textView{buf: buf}).String(buf[5:10]); got != "xyz" || !ok {
		t.Errorf("view without str: %q %v", got, ok)
	}
	n := testing.AllocsPerRun(20, func() {
		if s, _ := v.String(buf[5:10]); s != "xyz" {
			t.Fatal(s)
		}
	})
	if n != 0 {
		t.Errorf("String of an unescaped value in buf allocates %v times", n)
	}
}
