package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/va/vams/internal/platform/ids"
)

// IDMixin gives an entity an opaque prefixed ID (see package ids).
type IDMixin struct {
	mixin.Schema
	Prefix string
}

func (m IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			DefaultFunc(func() string { return ids.New(m.Prefix) }).
			Immutable().
			NotEmpty(),
	}
}

// TimeMixin records when a row was created and last changed.
type TimeMixin struct{ mixin.Schema }

func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}

// entityMixins is what most entities are made of: a prefixed ID and timestamps.
func entityMixins(prefix string) []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: prefix}, TimeMixin{}}
}

// ownedMixins adds VeteranOwned to entityMixins, for an entity that belongs
// to one veteran.
func ownedMixins(prefix string) []ent.Mixin {
	return append(entityMixins(prefix), VeteranOwned{})
}

// internalSchema stands in for ent.Schema in the entities internal to VAMS:
// stored, never GraphQL nodes.
type internalSchema struct{ ent.Schema }

func (internalSchema) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
