package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent is one entry of the append-only audit trail: who read, sent,
// moved, deleted or exported what, and when — never message content. Each
// entry's hash covers the previous entry's hash, so editing or removing an
// entry breaks the chain.
type AuditEvent struct{ internalSchema }

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		field.Time("at").Default(time.Now).Immutable(),
		// Actor is a keyed hash of the veteran's ICN (or "system"/an operator
		// id): joinable for investigations, not readable as PHI.
		field.String("actor").Immutable(),
		field.String("action").Immutable(),
		field.String("target_type").Default("").Immutable(),
		field.String("target_id").Default("").Immutable(),
		field.String("outcome").Default("ok").Immutable(),
		field.String("request_id").Default("").Immutable(),
		field.String("prev_hash").Immutable(),
		field.String("hash").Unique().Immutable(),
	}
}

func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("actor", "at"), index.Fields("target_id")}
}
