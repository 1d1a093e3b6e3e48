package main

import (
	"bytes"
	"context"
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
	if !strings.Contains(report, "after Cache.Forget") || !strings.Contains(report, "401") {
		t.Errorf("report lacks the forgotten token's refusal:\n%s", report)
	}
	// Six calls, one of them a cache hit: five requests reach the issuer.
	if !strings.Contains(report, "introspection requests so far: 5 for 6 calls") {
		t.Errorf("cache did not save the repeated request:\n%s", report)
	}
}
