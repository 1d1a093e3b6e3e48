package httpx_test

import (
	"fmt"

	"github.com/tokenguard/tokenguard/internal/httpx"
)

// Plain http is allowed only where nothing crosses a network.
func ExampleIsLoopback() {
	for _, host := range []string{"127.0.0.1", "localhost", "::1", "tenant.example.com"} {
		fmt.Println(host, httpx.IsLoopback(host))
	}
	// Output:
	// 127.0.0.1 true
	// localhost true
	// ::1 true
	// tenant.example.com false
}
