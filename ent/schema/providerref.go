package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/providerkind"
)

// ProviderRef ties a VAMS entity to its copy at a provider. The unique key on
// (provider, entity type, external id) is what makes ingestion idempotent.
type ProviderRef struct{ internalSchema }

func (ProviderRef) Mixin() []ent.Mixin {
	return entityMixins(ids.ProviderRef)
}

func (ProviderRef) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").GoType(providerkind.Kind("")).Immutable(),
		field.Enum("entity_type").Values("THREAD", "MESSAGE").Immutable(),
		field.String("entity_id").Immutable(),
		field.String("external_id").NotEmpty().Immutable(),
		field.String("version").Default(""),
	}
}

func (ProviderRef) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("provider", "entity_type", "external_id").Unique(),
		index.Fields("entity_type", "entity_id"),
	}
}
