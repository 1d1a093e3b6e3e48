package httpx

import "testing"

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.9.8.7": true, "::1": true,
		"": false, "example.com": false, "localhost.example.com": false, "10.0.0.1": false,
		"0.0.0.0": false, "::": false, "128.0.0.1": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %t, want %t", host, got, want)
		}
	}
}

func TestNewTransportBoundsHeaders(t *testing.T) {
	tr := NewTransport(4096)
	if tr.MaxResponseHeaderBytes != 4096 {
		t.Fatalf("MaxResponseHeaderBytes = %d, want 4096", tr.MaxResponseHeaderBytes)
	}
	if tr.Proxy == nil {
		t.Error("transport ignores proxy settings from the environment")
	}
}
