package httpx

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckEndpoint(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://op.example/userinfo":          true,
		"https://op.example/userinfo?tenant=a": true,
		"http://127.0.0.1:8080/userinfo":       true,
		"http://localhost/userinfo":            true,
		"http://op.example/userinfo":           false,
		"ftp://op.example/userinfo":            false,
		"/userinfo":                            false,
		"https://user:pw@op.example/userinfo":  false,
		"https://op.example/userinfo#fragment": false,
		"https://op.example/userinfo#":         false,
		"":                                     false,
		"https://op.example/%zz":               false,
		"mailto:someone@op.example":            false,
	} {
		_, err := CheckEndpoint(raw, "Config.Endpoint", false)
		if (err == nil) != ok {
			t.Errorf("CheckEndpoint(%q) error = %v; want ok=%t", raw, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error shows the credentials: %v", err)
		}
	}
	if _, err := CheckEndpoint("http://op.example/userinfo", "Config.Endpoint", true); err != nil {
		t.Errorf("allowHTTP: %v", err)
	}
	_, err := CheckEndpoint("http://op.example/userinfo?api_key=s3cret", "Config.Endpoint", false)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.HasPrefix(err.Error(), "Config.Endpoint ") {
		t.Errorf("error shows the query or does not name the field: %v", err)
	}
}

func TestReadBody(t *testing.T) {
	if b, err := ReadBody(strings.NewReader("abcd"), -1, 4); err != nil || string(b) != "abcd" {
		t.Errorf("ReadBody at the limit = %q, %v", b, err)
	}
	if _, err := ReadBody(strings.NewReader("abcde"), -1, 4); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("ReadBody over the limit: %v", err)
	}
	if _, err := ReadBody(strings.NewReader(""), 5, 4); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("ReadBody with a Content-Length over the limit: %v", err)
	}
}
