package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// PushDevice is a mobile app's push registration for a veteran (the
// endpoint the app got when it registered with the push service). Pushes
// go only to veterans with at least one.
type PushDevice struct{ ent.Schema }

func (PushDevice) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: ids.PushDevice}, TimeMixin{}, VeteranOwned{}}
}

func (PushDevice) Fields() []ent.Field {
	return []ent.Field{
		field.String("registration").NotEmpty().Immutable(),
	}
}

func (PushDevice) Indexes() []ent.Index {
	return []ent.Index{index.Fields("veteran_id", "registration").Unique()}
}

// Internal to VAMS: shown through the viewer's notification preferences.
func (PushDevice) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
