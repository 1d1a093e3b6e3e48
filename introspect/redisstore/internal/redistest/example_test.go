package redistest_test

import (
	"fmt"

	"github.com/tokenguard/tokenguard/introspect/redisstore/internal/redistest"
)

// A test starts its own Redis, and can take it away and bring it back.
// (No Output: it needs redis-server installed.)
func ExampleStart() {
	srv, err := redistest.Start()
	if err != nil {
		fmt.Println(err) // ErrNoBinary when redis-server is not installed
		return
	}
	defer srv.Close()
	fmt.Println("connect to", srv.Addr())
	_ = srv.Kill()    // as a crash would
	_ = srv.Restart() // empty, on the same address
}
