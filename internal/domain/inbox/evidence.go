package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/platform/defaults"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// EvidenceScope is the sync-state scope that says whether provider k's
// listings for a veteran may delete: SUSPECT while a scan that would have
// tombstoned too much is held, with the reason in LastError.
const EvidenceScope = "tombstones"

// Evidence is when a listing's omissions are not taken as deletes: a
// provider that forgets (a restore from backup, an empty answer in a partial
// outage, an id-space reset) must not move a veteran's mail to Trash.
type Evidence struct {
	// Share and Min: a scan that would tombstone more than Share of what
	// VAMS holds from the provider in the window, and at least Min
	// messages, is held (defaults 0.5 and 5). So is one that would
	// tombstone all of it.
	Share float64
	Min   int
}

func (e Evidence) suspect(gone, held int) bool {
	share, lowest := e.Share, e.Min
	defaults.Positive(&share, 0.5)
	defaults.Positive(&lowest, 5)
	return gone > 0 && (gone == held || gone >= lowest && float64(gone) > share*float64(held))
}

// ErrNotSuspect refuses an operator release or discard of a sync state that
// holds nothing.
var ErrNotSuspect = errors.New("inbox: nothing is held for this veteran and provider")

// heldTombstones is an EvidenceScope state's cursor: the provider ids a held
// scan would have tombstoned, and those an operator chose to keep although
// the provider no longer lists them.
type heldTombstones struct {
	Held []string `json:"held,omitempty"`
	Kept []string `json:"kept,omitempty"`
}

func decodeHeld(st *ent.SyncState) heldTombstones {
	var h heldTombstones
	_ = json.Unmarshal([]byte(st.Cursor), &h) // "" or malformed: nothing held
	return h
}

func (s *Service) saveHeld(ctx context.Context, st *ent.SyncState, h heldTombstones, status syncstate.Status, reason string) error {
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.store.Client.SyncState.UpdateOne(st).SetStatus(status).SetLastError(reason).SetCursor(string(raw)).
		SetLastRunAt(s.clock.Now().UTC()).Exec(ctx)
}

// Suspect reports whether st holds a scan.
func Suspect(st *ent.SyncState) bool { return st.Status == syncstate.StatusSUSPECT }

// hold records the tombstones a suspect scan would have made, adding them to
// any already held, and makes the state SUSPECT.
func (s *Service) hold(ctx context.Context, st *ent.SyncState, h heldTombstones, gone []string, held int, k providerkind.Kind, w providers.Window) error {
	for _, ext := range gone {
		if !slices.Contains(h.Held, ext) {
			h.Held = append(h.Held, ext)
		}
	}
	reason := st.LastError
	if !Suspect(st) {
		reason = fmt.Sprintf("a %s listing omitted %d of the %d messages VAMS holds from it sent %s to %s",
			k, len(gone), held, w.Since.UTC().Format("2006-01-02"), w.Until.UTC().Format("2006-01-02"))
	}
	return s.saveHeld(ctx, st, h, syncstate.StatusSUSPECT, reason)
}

// ReleaseHeld is the operator's word on a SUSPECT state: release applies the
// held tombstones (the messages were deleted at the provider), discard keeps
// VAMS's messages and stops counting them as gone (the provider lost them).
// Either way the state is trusted again.
func (s *Service) ReleaseHeld(ctx context.Context, k providerkind.Kind, vid string, release bool) error {
	st, err := s.SyncState(ctx, k, vid, EvidenceScope)
	if err != nil {
		return err
	}
	if !Suspect(st) {
		return ErrNotSuspect
	}
	h := decodeHeld(st)
	if release {
		for _, ext := range h.Held {
			if err := s.tombstone(ctx, k, vid, ext); err != nil {
				return err
			}
		}
	} else {
		h.Kept = append(h.Kept, h.Held...)
	}
	h.Held = nil
	return s.saveHeld(ctx, st, h, syncstate.StatusCOMPLETE, "")
}

func (s *Service) tombstone(ctx context.Context, k providerkind.Kind, vid, ext string) error {
	gone := providers.Message{ExternalID: ext, Status: providers.StatusDeleted}
	_, _, err := s.Ingest(ctx, Incoming{Provider: k, VeteranID: vid, Message: gone})
	return err
}
