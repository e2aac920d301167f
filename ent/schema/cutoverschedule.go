package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// CutoverSchedule is a facility's planned move to a new health record
// system, from configuration or the operator endpoint: kept in the database
// so every instance computes the same phase from the same dates.
type CutoverSchedule struct{ internalSchema }

func (CutoverSchedule) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

func (CutoverSchedule) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		// A facility's station number; a facility has at most one schedule.
		field.String("station_number").NotEmpty().Unique(),
		// The validated schedule as inbox.CutoverSchedule JSON (phase start
		// dates, end, crosswalk); the domain core owns its format.
		field.Text("schedule"),
		// Who put it: an operator's schedule (PUT /ops/cutovers) wins over
		// configuration, which at each start updates only its own.
		field.Enum("set_by").Values("configuration", "operator").Default("operator"),
	}
}
