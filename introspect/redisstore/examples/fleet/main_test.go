package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/introspect/redisstore/internal/redistest"
)

func TestFleetExample(t *testing.T) {
	var out bytes.Buffer
	err := start(context.Background(), "", &out)
	if errors.Is(err, redistest.ErrNoBinary) && os.Getenv("CI") == "" {
		t.Skipf("%v; skipped outside CI", err)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	for _, want := range []string{
		"introspection requests: 1 for 3 requests on 3 replicas",
		"replica 3  401 Unauthorized",
		"replica 3  replay      refused (token.ErrReplay)",
		"30 concurrent uses of one new jti on 3 replicas: 1 accepted, 29 refused as replays",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
