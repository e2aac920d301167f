package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Folder holds a veteran's threads: the system folders Inbox, Sent, Drafts and
// Trash, and the veteran's own.
type Folder struct{ ent.Schema }

func (Folder) Mixin() []ent.Mixin {
	return ownedMixins(ids.Folder)
}

func (Folder) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty(),
		// Set for system folders only.
		field.Enum("system").Values("INBOX", "SENT", "DRAFTS", "TRASH").Optional().Nillable().Immutable(),
	}
}

func (Folder) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("veteran", Veteran.Type).Ref("folders").Field("veteran_id").Unique().Required().Immutable(),
		edge.To("threads", Thread.Type),
	}
}

func (Folder) Indexes() []ent.Index {
	return []ent.Index{index.Fields("veteran_id", "name").Unique()}
}
