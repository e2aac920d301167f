package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Tag is a veteran's own label on threads.
type Tag struct{ ent.Schema }

func (Tag) Mixin() []ent.Mixin {
	return ownedMixins(ids.Tag)
}

func (Tag) Fields() []ent.Field {
	return []ent.Field{field.String("name").NotEmpty()}
}

func (Tag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("veteran", Veteran.Type).Ref("tags").Field("veteran_id").Unique().Required().Immutable(),
		edge.From("threads", Thread.Type).Ref("tags"),
	}
}

func (Tag) Indexes() []ent.Index {
	return []ent.Index{index.Fields("veteran_id", "name").Unique()}
}
