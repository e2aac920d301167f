package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/va/vams/internal/platform/ids"
)

// Facility is a VA medical center or clinic (station number), grouped into a
// health-care system and served by one EHR.
type Facility struct{ internalSchema }

func (Facility) Mixin() []ent.Mixin {
	return entityMixins(ids.Facility)
}

func (Facility) Fields() []ent.Field {
	return []ent.Field{
		field.String("station_number").Unique().NotEmpty(),
		field.String("name"),
		field.String("health_care_system"),
		field.Enum("ehr").Values("VISTA", "OH"),
		// Cutover phase p0…p7 while the facility moves from VistA to OH; empty otherwise.
		field.String("cutover_phase").Default(""),
	}
}

func (Facility) Edges() []ent.Edge {
	return []ent.Edge{edge.To("care_teams", CareTeam.Type)}
}
