package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun runs the quickstart as a user would and checks that every step of
// its report happened: run itself fails when a token is accepted or refused
// otherwise than the report claims.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("quickstart failed: %v\noutput so far:\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{
		"1. the application validates its ID token",
		"2. the API validates its access token",
		"accepted  by introspection",
		"opaque=true",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if got := strings.Count(report, "refused"); got != 3 {
		t.Errorf("report shows %d refusals, want 3:\n%s", got, report)
	}
}
