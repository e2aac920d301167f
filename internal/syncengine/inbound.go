package syncengine

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/riverqueue/river"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// StoreAnnouncements records announced new messages durably, each once, and
// queues their processing in the same transaction. Duplicated pushes find
// their entry already stored and add nothing.
func (e *Engine) StoreAnnouncements(ctx context.Context, as []providers.Announcement) error {
	ctx = viewer.System(ctx)
	return e.store.InTx(ctx, func(tx *store.Tx) error {
		for _, a := range as {
			id, stored, err := e.inbox.StoreAnnouncement(ctx, tx, a)
			if err != nil {
				return err
			}
			if !stored {
				continue // already stored by an earlier or concurrent push
			}
			if _, err := e.river.InsertTx(ctx, tx.SQL, atomArgs{EntryID: id}, &river.InsertOpts{MaxAttempts: 20}); err != nil {
				return err
			}
		}
		return nil
	})
}

type atomArgs struct {
	EntryID string `json:"entry_id"` // AtomEntry row id
}

func (atomArgs) Kind() string { return "process_atom_entry" }

// workAtomEntry fetches an announced OH message by id and ingests it.
func (e *Engine) workAtomEntry(ctx context.Context, job *river.Job[atomArgs]) error {
	ctx = viewer.System(ctx)
	c := e.store.Client
	entry, err := c.AtomEntry.Get(ctx, job.Args.EntryID)
	if err != nil {
		return river.JobCancel(err)
	}
	if entry.ProcessedAt != nil {
		return nil
	}
	q := c.Veteran.Query().Where(veteran.OhPatientID(entry.PatientID))
	if entry.Authority != "" {
		q.Where(veteran.OhAuthority(entry.Authority))
	}
	vet, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		e.log.WarnContext(ctx, "publication for an unknown patient", "entry", entry.ID)
		return e.inbox.FinishAnnouncement(ctx, entry, "unknown patient")
	}
	if err != nil {
		return err
	}
	p := e.providers[providerkind.OH]
	if p == nil {
		return river.JobCancel(errors.New("no OH provider configured"))
	}
	pv := veteranOf(vet)
	m, err := p.GetMessage(ctx, pv, entry.MessageExternalID)
	if err != nil {
		if e.rekey(ctx, vet.ID, err) {
			return err
		}
		if !p.Open() && !providers.Retryable(err) {
			// Gone for good (deleted before we looked, or refused): record why
			// and stop; reconciliation still compares the whole mailbox.
			return e.inbox.FinishAnnouncement(ctx, entry, "fetch failed: "+errorKind(err))
		}
		return e.retryOrSnooze(p, err)
	}
	echoOver := e.clock.Now().Sub(entry.ReceivedAt) > e.cfg.EchoWait
	err = e.ingestWithThread(ctx, p, vet.ID, pv, m, echoOver)
	if errors.Is(err, inbox.ErrEchoPending) {
		return river.JobSnooze(time.Second)
	}
	if err != nil {
		return err
	}
	return e.inbox.FinishAnnouncement(ctx, entry, "")
}

func (e *Engine) retryOrSnooze(p *guarded, err error) error {
	if p.Open() {
		return river.JobSnooze(e.cfg.BreakerTimeout)
	}
	if providers.Retryable(err) {
		return err
	}
	return river.JobCancel(err)
}

// ingestWithThread ingests m; when m answers a message VAMS has not seen
// (announcements arrive out of order), the provider's whole thread is
// ingested oldest first so the conversation links up.
func (e *Engine) ingestWithThread(ctx context.Context, p *guarded, vid string, pv providers.Veteran, m providers.Message, echoOver bool) error {
	if m.InReplyToExternalID != "" {
		parent, err := e.inbox.KnownMessage(ctx, p.Kind(), m.InReplyToExternalID)
		if err != nil {
			return err
		}
		if parent == "" {
			thread, err := p.GetThread(ctx, pv, m.ExternalID)
			if err != nil {
				return err
			}
			sort.SliceStable(thread, func(i, j int) bool { return thread[i].SentAt.Before(thread[j].SentAt) })
			for _, tm := range thread {
				if tm.ExternalID == m.ExternalID {
					continue
				}
				if err := e.ingest(ctx, p, vid, pv, tm, echoOver); err != nil && !errors.Is(err, inbox.ErrEchoPending) {
					return err
				}
			}
		}
	}
	return e.ingest(ctx, p, vid, pv, m, echoOver)
}

// ingest stores one provider message, refreshing the veteran's care-team
// directory first when the message names a team VAMS does not know yet.
func (e *Engine) ingest(ctx context.Context, p *guarded, vid string, pv providers.Veteran, m providers.Message, echoOver bool) error {
	in := inbox.Incoming{Provider: p.Kind(), VeteranID: vid, Message: m, EchoWaitOver: echoOver}
	_, _, err := e.inbox.Ingest(ctx, in)
	if e, ok := inbox.AsError(err); !ok || e.Code != inbox.CodeNotFound {
		return err
	}
	known, qerr := e.inbox.KnownCareTeam(ctx, p.Kind(), m.CareTeamExternalID)
	if qerr != nil || known {
		return err
	}
	if err := e.refreshDirectory(ctx, p, vid, pv); err != nil {
		return err
	}
	_, _, err = e.inbox.Ingest(ctx, in)
	return err
}

// errorKind names a provider error's kind without its text.
func errorKind(err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe.Kind.Error() + " (" + pe.Code + ")"
	}
	return "error"
}
