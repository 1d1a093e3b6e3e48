package scope_test

import (
	"fmt"

	"github.com/tokenguard/tokenguard/internal/scope"
)

func Example() {
	fmt.Printf("%q\n", scope.Split("openid  read:appointments"))
	// A no-break space does not delimit scopes: this is one scope.
	fmt.Printf("%q\n", scope.Split("read\u00a0admin"))
	fmt.Println(scope.Has("read\u00a0admin", "admin"))
	// Output:
	// ["openid" "read:appointments"]
	// ["read\u00a0admin"]
	// false
}
