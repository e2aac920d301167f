package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PublicationReplay remembers a signed OH publication accepted by the Atom
// intake, by what was signed (the verified MAC over timestamp and body), so
// a replay is refused by every instance and after a restart, however its
// signature header is spelled. Kept until its signature goes stale.
type PublicationReplay struct{ internalSchema }

func (PublicationReplay) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		// Hex of the verified HMAC-SHA256 of "<timestamp>.<body>".
		field.String("key").NotEmpty().Unique().Immutable(),
		// When the signature leaves the acceptance window; the row is useless after.
		field.Time("expires_at").Immutable(),
	}
}

func (PublicationReplay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("expires_at")}
}
