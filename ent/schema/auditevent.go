package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent is one entry of the append-only audit trail: who read, sent,
// moved, deleted or exported what, and when — never message content. Each
// entry's hash covers the previous entry's hash, so editing or removing an
// entry breaks the chain.
type AuditEvent struct{ internalSchema }

func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{auditEntry{atDefaultsToNow: true}}
}

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		field.String("prev_hash").Immutable(),
		field.String("hash").Unique().Immutable(),
	}
}

func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("actor", "at"), index.Fields("target_id")}
}
