// Package settings applies the module's one rule for configuration values,
// which package token's documentation states for users:
//
//   - zero means the field's documented default;
//   - a negative value means "none" (no leeway, no cache, no header) for a
//     field whose documentation says it can be turned off, and is a
//     configuration error for every other field.
//
// Every Config and Options in the module resolves its fields through these
// functions, so the rule has one implementation. The defaults of the shared
// validation settings live here too, so that the pipeline and both validators
// resolve them in one place.
package settings

import (
	"fmt"
	"time"
)

// The defaults of the settings package token's Verifier and both validators
// share; package token exports them.
const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = time.Minute
	// DefaultMaxTokenSize bounds a raw token, in bytes.
	DefaultMaxTokenSize = 16 << 10
)

// number is what a bounded field can hold.
type number interface {
	~int | ~int64
}

// Limit resolves a field that cannot be turned off (a size, a timeout, an
// interval): zero gives def, a positive v is kept, and a negative v is an
// error naming field (such as "accesstoken: Config.MaxTokenSize").
func Limit[T number](field string, v, def T) (T, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0:
		return 0, fmt.Errorf("%s is %v; it must be zero (the default, %v) or positive", field, v, def)
	}
	return v, nil
}

// OrNone resolves a field that can be turned off (a leeway, a cache size, a
// TTL): zero gives def, a negative v gives zero ("none"), and a positive v
// is kept.
func OrNone[T number](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Clock returns now, or time.Now when now is nil.
func Clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// Validation holds the settings the JWS pipeline and both validators share,
// resolved.
type Validation struct {
	Leeway       time.Duration
	Now          func() time.Time
	MaxTokenSize int
}

// ResolveValidation resolves the shared validation settings by the rule.
// prefix names the configuration type in errors ("idtoken: Config").
func ResolveValidation(prefix string, leeway time.Duration, now func() time.Time, maxTokenSize int) (Validation, error) {
	size, err := Limit(prefix+".MaxTokenSize", maxTokenSize, DefaultMaxTokenSize)
	if err != nil {
		return Validation{}, err
	}
	return Validation{
		Leeway:       OrNone(leeway, DefaultLeeway),
		Now:          Clock(now),
		MaxTokenSize: size,
	}, nil
}
