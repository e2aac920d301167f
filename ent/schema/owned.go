package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// VeteranOwned marks an entity that belongs to one veteran. Its interceptor and
// hook (privacy.go) scope every query and mutation to the viewer.
type VeteranOwned struct{ mixin.Schema }

func (VeteranOwned) Fields() []ent.Field {
	return []ent.Field{field.String("veteran_id").Immutable()}
}
