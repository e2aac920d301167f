package syncengine

import (
	"context"
	"testing"

	"example.com/entwrites/ent"
)

// Test files may seed data directly: the wall checks shipped code only.
func seed(ctx context.Context, t *testing.T, c *ent.Client) {
	if err := c.Message.Create().Exec(ctx); err != nil {
		t.Fatal(err)
	}
}
