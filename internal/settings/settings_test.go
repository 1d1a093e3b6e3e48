package settings

import (
	"strings"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		v, want time.Duration
		err     bool
	}{
		{0, 10 * time.Second, false},
		{time.Second, time.Second, false},
		{-1, 0, true},
	} {
		got, err := Limit("pkg: Config.Timeout", tc.v, 10*time.Second)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("Limit(%v) = %v, %v; want %v, error %v", tc.v, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), "pkg: Config.Timeout is -1ns") {
			t.Errorf("Limit's error %q does not name the field and its value", err)
		}
	}
}

func TestOrNone(t *testing.T) {
	for _, tc := range []struct{ v, want int }{{0, 4096}, {-1, 0}, {-500, 0}, {7, 7}} {
		if got := OrNone(tc.v, 4096); got != tc.want {
			t.Errorf("OrNone(%d) = %d; want %d", tc.v, got, tc.want)
		}
	}
}

func TestResolveValidation(t *testing.T) {
	got, err := ResolveValidation("x: Config", 0, nil, 0)
	if err != nil || got.Leeway != DefaultLeeway || got.MaxTokenSize != DefaultMaxTokenSize || got.Now == nil {
		t.Fatalf("zero values resolve to %+v, %v; want the defaults", got, err)
	}
	got, err = ResolveValidation("x: Config", -time.Second, nil, 100)
	if err != nil || got.Leeway != 0 || got.MaxTokenSize != 100 {
		t.Fatalf("negative leeway resolves to %+v, %v; want none", got, err)
	}
	if _, err := ResolveValidation("x: Config", 0, nil, -1); err == nil || !strings.Contains(err.Error(), "x: Config.MaxTokenSize") {
		t.Fatalf("negative MaxTokenSize: %v; want an error naming the field", err)
	}
}
