// Package schemadiff holds what the migration generator and the drift test
// share about objects the hand-written migrations add and ent does not model.
package schemadiff

import (
	"ariga.io/atlas/sql/schema"
	entschema "entgo.io/ent/dialect/sql/schema"
)

// handWritten names the columns and indexes of ent tables that only
// hand-written migrations create (full-text search on PostgreSQL). Tables
// ent does not know, like SQLite's FTS5 tables, are never dropped by ent's
// diff and need no entry.
var handWritten = map[string]bool{
	"search_vector":  true,
	"thread_search":  true,
	"message_search": true,
}

// KeepHandWritten is a diff hook that drops the changes that would remove
// the hand-written objects, so a schema diff neither proposes dropping them
// nor reports them as drift.
func KeepHandWritten(next entschema.Differ) entschema.Differ {
	return entschema.DiffFunc(func(current, desired *schema.Schema) ([]schema.Change, error) {
		changes, err := next.Diff(current, desired)
		if err != nil {
			return nil, err
		}
		for _, c := range changes {
			if m, ok := c.(*schema.ModifyTable); ok {
				m.Changes = keep(m.Changes)
			}
		}
		return changes, nil
	})
}

func keep(changes []schema.Change) []schema.Change {
	out := changes[:0]
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropColumn:
			if handWritten[c.C.Name] {
				continue
			}
		case *schema.DropIndex:
			if handWritten[c.I.Name] {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}
