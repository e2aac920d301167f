// Package syncengine calls the stand-in ent the ways the call wall must
// catch (marked "want") and the ways it must let pass.
package syncengine

import (
	"context"
	"database/sql"

	"example.com/entwrites/ent"
)

func writes(ctx context.Context, c *ent.Client, tx *ent.Tx, db *sql.DB, stx *sql.Tx, m *ent.Message) {
	_ = c.Message.Create().Exec(ctx)        // want Create
	_ = tx.Message.UpdateOneID(1).Exec(ctx) // want UpdateOneID
	_ = m.Update().Exec(ctx)                // want Update
	_ = c.Message.CreateBulk()              // want CreateBulk
	del := c.Message.Delete                 // want Delete
	_ = del
	_ = c.ExecContext(ctx, "DELETE FROM messages")          // want ExecContext
	_, _ = db.ExecContext(ctx, "UPDATE messages SET x = 1") // want ExecContext
	_, _ = stx.Exec("UPDATE messages SET x = 1")            // want Exec
}

func reads(ctx context.Context, c *ent.Client, db *sql.DB) {
	_, _ = c.Message.Query().All(ctx)
	_, _ = db.QueryContext(ctx, "SELECT 1")
	var b strings
	b.Create()
}

// strings has methods named like ent's builders, outside package ent.
type strings struct{}

func (strings) Create() {}
