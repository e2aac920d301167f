package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// PushDevice is a mobile app's push registration for a veteran (the
// endpoint the app got when it registered with the push service). Pushes
// go only to veterans with at least one. Internal to VAMS: shown through the
// viewer's notification preferences.
type PushDevice struct{ internalSchema }

func (PushDevice) Mixin() []ent.Mixin {
	return ownedMixins(ids.PushDevice)
}

func (PushDevice) Fields() []ent.Field {
	return []ent.Field{
		field.String("registration").NotEmpty().Immutable(),
	}
}

func (PushDevice) Indexes() []ent.Index {
	return []ent.Index{index.Fields("veteran_id", "registration").Unique()}
}
