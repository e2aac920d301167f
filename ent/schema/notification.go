package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Notification is VAMS's intent to tell a veteran, through the notification
// service, that a care team's message arrived (one row per message and
// channel, written in the message's own transaction) or that messages wait
// (one daily digest). Its reference is what the service deduplicates on, so
// a retry after a crash or a lost answer never notifies twice.
type Notification struct{ internalSchema }

func (Notification) Mixin() []ent.Mixin {
	return ownedMixins(ids.Notification)
}

func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("channel").Values("PUSH", "EMAIL").Immutable(),
		// MESSAGE: one new message (message_id set); DIGEST: a daily digest.
		field.Enum("kind").Values("MESSAGE", "DIGEST").Immutable(),
		field.String("message_id").Optional().Nillable().Immutable(),
		// Derived from the message (or the veteran and the digest's local
		// day): the same intent always carries the same reference.
		field.String("reference").NotEmpty().Unique().Immutable(),
		// For a digest, how many messages it counts.
		field.Int("count").Default(0).Immutable(),
		field.Enum("status").Values("PENDING", "SENT", "FAILED").Default("PENDING"),
		field.Int("attempts").Default(0),
		// Safe for operators: a code such as "503 ServiceUnavailable", never PHI.
		field.String("last_error").Default(""),
		// The service's id for the notification it accepted.
		field.String("service_id").Default(""),
		field.Time("sent_at").Optional().Nillable(),
	}
}

func (Notification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status"), index.Fields("veteran_id", "kind", "created_at")}
}
