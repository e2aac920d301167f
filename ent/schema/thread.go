package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Thread is a conversation between one veteran and one care team on one
// subject. Its aggregates (last message, counts) are kept in the row by the
// inbox service, in the same transaction as the messages, so that listing a
// folder never counts messages.
type Thread struct{ ent.Schema }

func (Thread) Mixin() []ent.Mixin {
	return ownedMixins(ids.Thread)
}

func (Thread) Fields() []ent.Field {
	return []ent.Field{
		field.String("care_team_id"),
		field.String("folder_id"),
		field.String("subject"),
		field.Enum("category").Values("OTHER", "COVID", "APPOINTMENTS", "MEDICATIONS", "TEST_RESULTS", "EDUCATION"),
		// Sent time of the newest sent message (or the draft's save time for a
		// thread that holds only a draft): the inbox sort key.
		field.Time("last_message_at").Default(time.Now),
		field.String("last_message_id").Optional().Nillable(),
		field.Int("message_count").Default(0).NonNegative(),
		field.Int("unread_count").Default(0).NonNegative(),
		field.Bool("has_attachments").Default(false),
	}
}

func (Thread) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("veteran", Veteran.Type).Ref("threads").Field("veteran_id").Unique().Required().Immutable(),
		edge.From("care_team", CareTeam.Type).Ref("threads").Field("care_team_id").Unique().Required(),
		edge.From("folder", Folder.Type).Ref("threads").Field("folder_id").Unique().Required(),
		edge.To("tags", Tag.Type),
		edge.To("messages", Message.Type),
	}
}

func (Thread) Indexes() []ent.Index {
	return []ent.Index{
		// Folder listing, newest first, keyset-paginated.
		index.Fields("veteran_id", "folder_id", "last_message_at", "id"),
		// Listing across folders (search, filters without a folder).
		index.Fields("veteran_id", "last_message_at", "id"),
		// Which care teams a veteran has threads with (care-team visibility).
		index.Fields("veteran_id", "care_team_id"),
		// Unread totals read only the threads that have unread messages.
		index.Fields("veteran_id", "folder_id").Annotations(entsql.IndexWhere("unread_count > 0")).StorageKey("thread_unread"),
	}
}

func (Thread) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
