package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Change is the per-veteran change log, written in the same transaction as
// the change itself. Seq is the veteran's own counter (Veteran.change_seq),
// assigned under the veteran's row lock just before commit, so for one
// veteran it increases in commit order with no gaps: the cursor that delta
// sync and subscriptions resume from. ID is only a row key (a database
// sequence is not commit-ordered).
type Change struct{ internalSchema }

func (Change) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		field.String("veteran_id").Immutable(),
		field.Int64("seq").Default(0).Immutable(),
		field.String("entity_type").Immutable(),
		field.String("entity_id").Immutable(),
		field.Enum("op").Values("CREATED", "UPDATED", "DELETED").Immutable(),
		field.Time("at").Default(time.Now).Immutable(),
	}
}

func (Change) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("veteran_id", "seq").Unique(),
		index.Fields("at"), // the retention prune
	}
}
