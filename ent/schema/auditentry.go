package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// auditEntry is what an audit entry records, in the outbox and in the chain
// alike: the audit worker copies an outbox row into the chain as it is.
type auditEntry struct {
	mixin.Schema
	// The outbox is always given the time the change was made (the chain
	// keeps it); the chain stamps an entry it is given no time for.
	atDefaultsToNow bool
}

func (m auditEntry) Fields() []ent.Field {
	at := field.Time("at").Immutable()
	if m.atDefaultsToNow {
		at = at.Default(time.Now)
	}
	return []ent.Field{
		at,
		// Actor is a keyed hash of the veteran's ICN (or "system"/an operator
		// id): joinable for investigations, not readable as PHI.
		field.String("actor").Immutable(),
		field.String("action").Immutable(),
		field.String("target_type").Default("").Immutable(),
		field.String("target_id").Default("").Immutable(),
		field.String("outcome").Default("ok").Immutable(),
		field.String("request_id").Default("").Immutable(),
	}
}
