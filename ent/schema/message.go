package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Message is one message of a thread, whoever wrote it and whichever provider
// carried it.
type Message struct{ ent.Schema }

func (Message) Mixin() []ent.Mixin {
	return ownedMixins(ids.Message)
}

func (Message) Fields() []ent.Field {
	return []ent.Field{
		field.String("thread_id").Immutable(),
		field.Enum("author_kind").Values("VETERAN", "CLINICIAN", "SYSTEM"),
		field.String("author_name").Default(""),
		field.Text("body").Default(""),
		// False when a provider listing omitted the body and it has not been
		// read through yet.
		field.Bool("body_loaded").Default(true),
		field.Time("sent_at").Optional().Nillable(),
		// The timeline position: the sent time, or for a draft its creation
		// time (drafts sort after sent messages through is_draft).
		field.Time("ordered_at"),
		field.Time("read_at").Optional().Nillable(),
		field.Time("clinician_read_at").Optional().Nillable(),
		// Delivery of veteran-written messages to the provider.
		field.Enum("delivery_status").Values("QUEUED", "SENDING", "DELIVERED", "FAILED").Optional().Nillable(),
		field.String("delivery_error").Optional().Nillable(),
		field.Bool("is_draft").Default(false),
		// Set while a provider reports the message deleted (tombstone); cleared
		// if it reappears.
		field.Time("provider_deleted_at").Optional().Nillable(),
	}
}

func (Message) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("thread", Thread.Type).Ref("messages").Field("thread_id").Unique().Required().Immutable(),
		edge.To("attachments", Attachment.Type),
	}
}

func (Message) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("thread_id", "is_draft", "ordered_at", "id"),
		index.Fields("veteran_id", "sent_at"),
	}
}

func (Message) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
