package ent

// Hand-written (not generated): it survives regeneration.

import (
	stdsql "database/sql"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// SQLTx returns the database/sql transaction under tx, so the job queue can
// insert its jobs in the same transaction as the change they carry.
func (tx *Tx) SQLTx() (*stdsql.Tx, bool) {
	d, ok := tx.config.driver.(*txDriver)
	if !ok {
		return nil, false
	}
	var t dialect.Tx = d.tx
	for {
		switch x := t.(type) {
		case *dialect.DebugTx:
			t = x.Tx
		case interface{ Unwrap() dialect.Tx }: // wrappers such as tracing
			t = x.Unwrap()
		case *entsql.Tx:
			s, ok := x.Conn.ExecQuerier.(*stdsql.Tx)
			return s, ok
		default:
			return nil, false
		}
	}
}
