package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/providerkind"
)

// SyncState is a persisted cursor of the sync engine: per provider, veteran
// and scope (import, fast scan, slow sweep). Restarts resume from it.
type SyncState struct{ internalSchema }

func (SyncState) Mixin() []ent.Mixin {
	return entityMixins(ids.SyncState)
}

func (SyncState) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").GoType(providerkind.Kind("")).Immutable(),
		field.String("veteran_id").Immutable(),
		field.String("scope").Immutable(),
		// SUSPECT: a scan that would have tombstoned too much is held
		// (inbox.EvidenceScope) until an operator releases or discards it.
		field.Enum("status").Values("NOT_STARTED", "IN_PROGRESS", "COMPLETE", "ERROR", "SUSPECT").Default("NOT_STARTED"),
		field.Time("watermark").Optional().Nillable(),
		field.Time("last_run_at").Optional().Nillable(),
		// last_success_at is when a run last heard from the provider (a
		// scan, sweep or import step that worked); last_run_at moves on
		// failures too.
		field.Time("last_success_at").Optional().Nillable(),
		field.Time("last_full_scan_at").Optional().Nillable(),
		field.String("cursor").Default(""),
		field.String("last_error").Default(""),
		// checked_at is when an on-demand freshness check of the veteran at
		// this provider last started (fast-scan row only): instances claim a
		// check by a conditional update of it, so one runs per bound.
		field.Time("checked_at").Optional().Nillable(),
	}
}

func (SyncState) Indexes() []ent.Index {
	return []ent.Index{index.Fields("provider", "veteran_id", "scope").Unique()}
}
