package inbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// A recorded publication is a replay until it expires, then pruned; a
// forgotten one is new again.
func TestPublicationReplaysExpireAndForget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b)
		svc, ctx := e.Inbox, context.Background()
		first := func(key string, expires time.Time) bool {
			t.Helper()
			ok, err := svc.FirstPublication(ctx, key, expires)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		exp := e.Now().Add(5 * time.Minute)
		if !first("a", exp) || first("a", exp) {
			t.Fatal("the second record of a key is not a replay")
		}
		if err := svc.ForgetPublication(ctx, "a"); err != nil || !first("a", exp) {
			t.Fatalf("a forgotten key is not new again (%v)", err)
		}
		if !first("b", e.Now().Add(time.Minute)) {
			t.Fatal("a new key is a replay")
		}
		e.Advance(2 * time.Minute) // b is stale now, a is not
		if first("a", exp) {
			t.Fatal("a replay inside its window is accepted")
		}
		if n, err := e.Client().PublicationReplay.Query().Count(e.System()); err != nil || n != 1 {
			t.Fatalf("%d records left (%v), want the one still fresh", n, err)
		}
	})
}
