package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Attachment is a file on a message. Bytes are stored inline; BlobKey names
// them in an object store instead when one is configured.
type Attachment struct{ ent.Schema }

func (Attachment) Mixin() []ent.Mixin {
	return ownedMixins(ids.Attachment)
}

func (Attachment) Fields() []ent.Field {
	return []ent.Field{
		field.String("message_id").Immutable(),
		field.String("filename"),
		field.String("content_type"),
		field.Int64("size").NonNegative(),
		field.Bytes("data").Optional(),
		field.String("blob_key").Optional(),
		// Provider's attachment id, for fetching bytes on first download.
		field.String("external_id").Optional(),
	}
}

func (Attachment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("message_id")}
}

func (Attachment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("message", Message.Type).Ref("attachments").Field("message_id").Unique().Required().Immutable(),
	}
}
