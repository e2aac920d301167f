package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IdempotencyRecord remembers a veteran's keyed mutation (its GraphQL
// clientMutationId) so that a retry answers with what the first call made
// instead of acting again. It holds the IDs of the entities made, never the
// response, so a retry resolves them with its own selection set. Written in
// the transaction of the mutation itself; pruned after inbox.IdempotencyWindow.
type IdempotencyRecord struct{ internalSchema }

func (IdempotencyRecord) Mixin() []ent.Mixin {
	return []ent.Mixin{VeteranOwned{}}
}

func (IdempotencyRecord) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		field.String("key").NotEmpty().Immutable(),
		// The mutation, by its GraphQL name.
		field.String("operation").Immutable(),
		// SHA-256 of the mutation's canonical input, clientMutationId left out.
		field.String("input_hash").Immutable(),
		// What the mutation made, in the operation's fixed order (e.g. thread
		// then message).
		// json, not jsonb, on PostgreSQL: VAMS talks to it with lib/pq's
		// binary_parameters (one round trip a statement), which sends a
		// []byte argument as binary, and ent passes this list as JSON
		// bytes; json's binary form is its text, jsonb's is not.
		field.Strings("result_ids").Immutable().SchemaType(map[string]string{dialect.Postgres: "json"}),
		field.Time("created_at").Immutable(),
	}
}

func (IdempotencyRecord) Indexes() []ent.Index {
	return []ent.Index{
		// One record per key and veteran: a racing twin's insert fails, and
		// with it the twin's whole write.
		index.Fields("veteran_id", "key").Unique(),
		index.Fields("created_at"),
	}
}
