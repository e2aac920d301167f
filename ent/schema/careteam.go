package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/providerkind"
)

// CareTeam is whom a veteran messages: an MHV triage group or an OH message
// pool. Which provider serves it is stored here and never exposed to veterans.
type CareTeam struct{ ent.Schema }

func (CareTeam) Mixin() []ent.Mixin {
	return entityMixins(ids.CareTeam)
}

func (CareTeam) Fields() []ent.Field {
	return []ent.Field{
		field.String("name"),
		field.String("display_name"),
		field.String("facility_id"),
		field.Enum("provider").GoType(providerkind.Kind("")),
		field.String("provider_id").NotEmpty(),
		field.Bool("active").Default(true),
		field.Bool("requires_signature").Default(false),
		// OH pools may carry several external names that route to one pool.
		// json, not jsonb, on PostgreSQL: VAMS talks to it with lib/pq's
		// binary_parameters (one round trip a statement), which sends a
		// []byte argument as binary, and ent passes this list as JSON
		// bytes; json's binary form is its text, jsonb's is not.
		field.Strings("alternate_names").Optional().SchemaType(map[string]string{dialect.Postgres: "json"}),
		// Set at its facility's go-live when a cutover's crosswalk names the
		// team that replaces this one: its threads moved there, and it takes
		// no new messages.
		field.String("replaced_by_id").Optional().Nillable(),
		// When the replacement took effect (the go-live the crosswalk applied at).
		field.Time("replaced_at").Optional().Nillable(),
	}
}

func (CareTeam) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("facility", Facility.Type).Ref("care_teams").Field("facility_id").Unique().Required(),
		edge.To("associations", Association.Type),
		edge.To("threads", Thread.Type),
		edge.To("replaces", CareTeam.Type).From("replaced_by").Field("replaced_by_id").Unique(),
	}
}

func (CareTeam) Indexes() []ent.Index {
	return []ent.Index{index.Fields("provider", "provider_id").Unique()}
}
