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
		t.Fatalf("webapp-login failed: %v\noutput so far:\n%s", err, out.String())
	}
	for _, want := range []string{"logged in", "profile from UserInfo", "userinfo    profile refused: subject mismatch", "replay", "swap", "foreign", "logout      200", "the other device's stays", "every session of the user", "logout      400"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
