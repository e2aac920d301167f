package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// AuditOutbox holds a mutation's audit entries, written in the mutation's
// own transaction so they commit (or roll back) with the change they
// record. The audit worker moves them into the hash chain (audit_events)
// and deletes them, so the chain's lock is never taken on a write path.
type AuditOutbox struct{ internalSchema }

func (AuditOutbox) Mixin() []ent.Mixin {
	return []ent.Mixin{auditEntry{}}
}

func (AuditOutbox) Fields() []ent.Field {
	return []ent.Field{field.Int64("id")}
}

// The table is audit_outbox rather than ent's plural.
func (AuditOutbox) Annotations() []schema.Annotation {
	return append(internalSchema{}.Annotations(), entsql.Annotation{Table: "audit_outbox"})
}
