package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Association links a veteran to a care team they may see; the team may have
// blocked the veteran, and the veteran may mark it preferred.
type Association struct{ internalSchema }

func (Association) Mixin() []ent.Mixin {
	return ownedMixins(ids.Association)
}

func (Association) Fields() []ent.Field {
	return []ent.Field{
		field.String("care_team_id").Immutable(),
		field.Bool("preferred").Default(false),
		field.Bool("blocked").Default(false),
	}
}

func (Association) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("veteran", Veteran.Type).Ref("associations").Field("veteran_id").Unique().Required().Immutable(),
		edge.From("care_team", CareTeam.Type).Ref("associations").Field("care_team_id").Unique().Required().Immutable(),
	}
}

func (Association) Indexes() []ent.Index {
	return []ent.Index{index.Fields("veteran_id", "care_team_id").Unique()}
}
