package redisstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/introspect"
)

// A stored answer is
//
//	tg1:<until>:<answer>
//
// where <until> is the end of the answer's life in Unix milliseconds, in
// decimal without sign or leading zeros, and <answer> is the Response as
// Response.MarshalJSON writes it. Redis expires the key at that time too (SET
// with PX); <until> lets a reader whose clock runs ahead of Redis's drop the
// answer on time all the same.
const valueVersion = "tg1:"

// maxMillisDigits bounds <until>: 13 digits reach the year 2286.
const maxMillisDigits = 13

// encodeValue encodes r to live until until.
func encodeValue(r *introspect.Response, until time.Time) ([]byte, error) {
	body, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(valueVersion)+maxMillisDigits+1+len(body))
	b = append(b, valueVersion...)
	b = strconv.AppendInt(b, until.UnixMilli(), 10)
	b = append(b, ':')
	return append(b, body...), nil
}

// errValue says why a value is not one this package wrote. Its messages
// never quote the value.
var errValue = errors.New("the value is not one this package writes")

// decodeValue parses a value encodeValue wrote, strictly. Any deviation is
// an error: the answer is then neither trusted nor taken for absent.
func decodeValue(v string) (*introspect.Response, time.Time, error) {
	rest, ok := strings.CutPrefix(v, valueVersion)
	if !ok {
		return nil, time.Time{}, fmt.Errorf("%w: it does not start with %q", errValue, valueVersion)
	}
	digits, body, ok := strings.Cut(rest, ":")
	if !ok || !canonicalMillis(digits) {
		return nil, time.Time{}, fmt.Errorf("%w: its expiry is not a canonical count of milliseconds", errValue)
	}
	ms, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: its expiry is out of range", errValue)
	}
	r, err := introspect.ParseResponse([]byte(body))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: its answer is not a strict introspection response: %w", errValue, err)
	}
	return r, time.UnixMilli(ms), nil
}

// canonicalMillis reports whether s is a positive decimal number without
// sign or leading zeros, of at most maxMillisDigits digits.
func canonicalMillis(s string) bool {
	if s == "" || len(s) > maxMillisDigits || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
