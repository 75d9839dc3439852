package memory_test

import (
	"context"
	"fmt"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity"
)

func Example() {
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	_ = dir.Upsert(context.Background(), identity.Identity{
		Identifier: "user-1",
		Profile:    identity.Profile{Email: "ann@example.com", FirstName: "Ann"},
	})
	p, ok := dir.User("user-1")
	fmt.Println(ok, p.FirstName, p.Email)
	// Output: true Ann ann@example.com
}
