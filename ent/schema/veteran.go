package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
)

// Veteran is a patient who messages care teams, known across VA by ICN and to
// each provider by that provider's own identifier.
type Veteran struct{ ent.Schema }

func (Veteran) Mixin() []ent.Mixin {
	return entityMixins(ids.Veteran)
}

func (Veteran) Fields() []ent.Field {
	return []ent.Field{
		field.String("icn").Unique().NotEmpty().Immutable(),
		field.String("display_name").Default(""),
		field.String("mhv_correlation_id").Optional().Nillable().Unique(),
		field.String("oh_patient_id").Optional().Nillable(),
		field.String("oh_authority").Optional().Nillable(),
		field.String("signature_name").Default(""),
		field.String("signature_title").Default(""),
		field.Bool("include_signature").Default(false),
		// When the veteran last used VAMS (to the minute or so): active
		// veterans get fast reconciliation scans, everyone else the slow sweep.
		field.Time("last_active_at").Optional().Nillable(),
		// The veteran's last change-log Seq: bumped under this row's lock in
		// the writing transaction, which makes the change log commit-ordered.
		field.Int64("change_seq").Default(0).Annotations(entgql.Skip(entgql.SkipAll)),
		// The send limit's theoretical arrival time (GCRA), in Unix
		// microseconds; null until the first send. Kept here, not in a
		// process, so every instance and every restart sees one limit.
		field.Int64("send_limit_tat").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// Notification preferences (shown through Viewer.notificationPreferences):
		// email for each care-team message, a daily digest or none; pushes
		// on or off; the IANA time zone the digest's hour is local to.
		field.Enum("email_frequency").Values("EACH_MESSAGE", "DAILY_DIGEST", "NONE").Default("EACH_MESSAGE").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("push_enabled").Default(true).Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("time_zone").Default("America/New_York").Annotations(entgql.Skip(entgql.SkipAll)),
		// The local day (YYYY-MM-DD) of the last digest decision, so each
		// day is digested once.
		field.String("digest_day").Default("").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Veteran) Indexes() []ent.Index {
	return []ent.Index{index.Fields("last_active_at")}
}

func (Veteran) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("associations", Association.Type),
		edge.To("folders", Folder.Type),
		edge.To("tags", Tag.Type),
		edge.To("threads", Thread.Type),
	}
}
