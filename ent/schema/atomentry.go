package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// AtomEntry is one entry of an OH Atom publication, stored durably before the
// push is acknowledged and processed later by a worker.
type AtomEntry struct{ internalSchema }

func (AtomEntry) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: ids.AtomEntry}}
}

func (AtomEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("entry_id").Unique().Immutable(),
		field.String("message_external_id").Immutable(),
		field.String("patient_id").Immutable(),
		field.String("authority").Default(""),
		field.Time("received_at").Default(time.Now).Immutable(),
		field.Time("processed_at").Optional().Nillable(),
		field.Int("attempts").Default(0),
		field.String("last_error").Default(""),
	}
}

func (AtomEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("processed_at")}
}
