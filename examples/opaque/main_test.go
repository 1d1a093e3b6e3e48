package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("opaque failed: %v\noutput so far:\n%s", err, out.String())
	}
	report := out.String()
	if !strings.Contains(report, "introspection endpoint down") {
		t.Errorf("report lacks the outage step:\n%s", report)
	}
	for _, want := range []string{
		`(?m)^revoked at the issuer, still cached +200`,
		`(?m)^after Cache.Forget +401 `,
		`(?m)^cached token while it is down +200`,
	} {
		if !regexp.MustCompile(want).MatchString(report) {
			t.Errorf("report lacks a line matching %s:\n%s", want, report)
		}
	}
	// Six calls, one of them a cache hit: five requests reach the issuer.
	if !strings.Contains(report, "introspection requests so far: 5 for 6 calls") {
		t.Errorf("cache did not save the repeated request:\n%s", report)
	}
}
