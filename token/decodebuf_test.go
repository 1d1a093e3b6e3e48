package token

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// A large token is decoded into a buffer the Verifier lends and takes back:
// what the token's Result holds stays as it was read when the buffer is
// written over for the next token.
func TestDecodeBufferKeepsNothing(t *testing.T) {
	c := newMemoCase(t)
	ctx := context.Background()
	raw := c.token(t, "large", func(o obj) {
		for i := range 60 {
			o[fmt.Sprintf("https://claims.example.com/attribute_%02d", i)] = fmt.Sprintf("value-%02d", i)
		}
	})
	if len(raw) < 2*decodeScratchSize {
		t.Fatalf("the token is %d bytes; the test needs one that does not fit the stack scratch", len(raw))
	}
	got, err := c.v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	header, claims := string(got.Header.JSON()), string(got.Claims.JSON())
	names, aud := got.Claims.Names(), append([]string(nil), got.Claims.Audience...)
	for range 4 {
		b := c.v.buffers.get(1)
		for i := range *b {
			(*b)[i] = 'x'
		}
		c.v.buffers.put(b)
	}
	if string(got.Header.JSON()) != header || string(got.Claims.JSON()) != claims ||
		!reflect.DeepEqual(got.Claims.Names(), names) || !reflect.DeepEqual(got.Claims.Audience, aud) {
		t.Fatal("writing over the lent buffers changed an accepted token's header or claims")
	}
	if v, ok, err := got.Claims.GetString("https://claims.example.com/attribute_07"); err != nil || !ok || v != "value-07" {
		t.Fatalf("a claim reads %q, %v, %v after the buffers were written over", v, ok, err)
	}
}
