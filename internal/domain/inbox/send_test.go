package inbox_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store/storetest"
)

func note(name, text string) inbox.File {
	return inbox.File{Filename: name, Size: int64(len(text)), Content: strings.NewReader(text)}
}

func TestSendMessageRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	// Each case starts from a valid message to the plain team and breaks one rule.
	cases := []struct {
		name  string
		edit  func(w *world, in *inbox.SendMessage)
		code  inbox.Code
		field string
	}{
		{"care team ID of another kind", func(w *world, in *inbox.SendMessage) { in.CareTeamID = ids.New(ids.Folder) },
			inbox.CodeNotFound, "careTeamId"},
		{"unknown care team", func(w *world, in *inbox.SendMessage) { in.CareTeamID = ids.New(ids.CareTeam) },
			inbox.CodeNotFound, "careTeamId"},
		{"team the veteran was never associated with", func(w *world, in *inbox.SendMessage) { in.CareTeamID = w.stranger },
			inbox.CodeNotFound, "careTeamId"},
		{"team the veteran is no longer associated with", func(w *world, in *inbox.SendMessage) { in.CareTeamID = w.former },
			inbox.CodeCareTeamNotAssociated, "careTeamId"},
		{"blocked team", func(w *world, in *inbox.SendMessage) { in.CareTeamID = w.blocked },
			inbox.CodeCareTeamBlocked, "careTeamId"},
		{"inactive team", func(w *world, in *inbox.SendMessage) { in.CareTeamID = w.inactive },
			inbox.CodeCareTeamInactive, "careTeamId"},
		{"facility in EHR cutover", func(w *world, in *inbox.SendMessage) { in.CareTeamID = w.paused },
			inbox.CodeFacilityInTransition, "careTeamId"},
		{"unknown category", func(w *world, in *inbox.SendMessage) { in.Category = "GOSSIP" },
			inbox.CodeInvalidCategory, "category"},
		{"blank subject", func(w *world, in *inbox.SendMessage) { in.Subject = "  " },
			inbox.CodeSubjectRequired, "subject"},
		{"subject one character too long", func(w *world, in *inbox.SendMessage) {
			in.Subject = strings.Repeat("é", inbox.MaxSubjectLength+1)
		}, inbox.CodeSubjectTooLong, "subject"},
		{"blank body", func(w *world, in *inbox.SendMessage) { in.Body = "\n\t " },
			inbox.CodeBodyRequired, "body"},
		{"body one character too long", func(w *world, in *inbox.SendMessage) {
			in.Body = strings.Repeat("a", inbox.MaxBodyLength+1)
		}, inbox.CodeBodyTooLong, "body"},
		{"too many attachments", func(w *world, in *inbox.SendMessage) {
			for i := range inbox.MaxAttachments + 1 {
				in.Attachments = append(in.Attachments, note(string(rune('a'+i))+".txt", "note"))
			}
		}, inbox.CodeTooManyAttachments, "attachments"},
		{"attachment whose bytes are not its type", func(w *world, in *inbox.SendMessage) {
			in.Attachments = []inbox.File{note("scan.pdf", "MZ this is a program")}
		}, inbox.CodeAttachmentTypeNotAllowed, "attachments"},
		{"team requires a signature, none given", func(w *world, in *inbox.SendMessage) { in.CareTeamID = w.signature },
			inbox.CodeSignatureRequired, "electronicSignature"},
		{"signature not certified", func(w *world, in *inbox.SendMessage) {
			in.CareTeamID, in.Signature = w.signature, &inbox.Signature{FullName: "Alex Morgan"}
		}, inbox.CodeSignatureRequired, "electronicSignature"},
		{"signature name with digits", func(w *world, in *inbox.SendMessage) {
			in.CareTeamID, in.Signature = w.signature, &inbox.Signature{FullName: "R2 D2", Certified: true}
		}, inbox.CodeSignatureInvalid, "electronicSignature.fullName"},
	}
	each(t, func(t *testing.T, w *world) {
		w.useFormerTeam(t)
		before := w.rows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := inbox.SendMessage{CareTeamID: w.team, Category: thread.CategoryOTHER, Subject: "Refill", Body: "Please refill."}
				c.edit(w, &in)
				th, msg, err := w.Inbox.SendMessage(w.ctx, in)
				wantCode(t, err, c.code, c.field)
				if th != nil || msg != nil {
					t.Errorf("refused send returned thread %v, message %v", th, msg)
				}
			})
		}
		if after := w.rows(t); after != before {
			t.Errorf("refused sends wrote rows: before %+v, after %+v", before, after)
		}
		if delivered, _ := w.out.queued(); len(delivered) > 0 {
			t.Errorf("refused sends queued deliveries %v", delivered)
		}
	})
}

func TestSendMessageOverTheLimitIsRateLimitedAndWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b, 1)
		w.send(t, "First", "The one send allowed.")
		before := w.rows(t)
		_, _, err := w.Inbox.SendMessage(w.ctx, inbox.SendMessage{CareTeamID: w.team, Category: thread.CategoryOTHER, Subject: "Second", Body: "One too many."})
		wantCode(t, err, inbox.CodeRateLimited, "")
		if after := w.rows(t); after != before {
			t.Errorf("rate-limited send wrote rows: before %+v, after %+v", before, after)
		}
		if delivered, _ := w.out.queued(); len(delivered) != 1 {
			t.Errorf("deliveries %v, want only the first send's", delivered)
		}
	})
}

func TestSendMessageStartsThreadInSentAndQueuesDelivery(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		logged := len(w.changes(t))
		th, msg := must2[*ent.Thread, *ent.Message](t)(w.Inbox.SendMessage(w.ctx, inbox.SendMessage{
			CareTeamID: w.team, Category: thread.CategoryMEDICATIONS, Subject: "  Refill  ", Body: "Please refill my lisinopril.",
			Attachments: []inbox.File{note("bp.txt", "BP 128/84\n")}}))
		if th.FolderID != w.systemFolder(t, folder.SystemSENT) || th.MessageCount != 1 || !th.HasAttachments || th.Subject != "Refill" {
			t.Errorf("thread: folder %s, messages %d, attachments %v, subject %q", w.folderOf(t, th.ID), th.MessageCount, th.HasAttachments, th.Subject)
		}
		stored := w.thread(t, th.ID)
		if stored.MessageCount != 1 || stored.LastMessageID == nil || *stored.LastMessageID != msg.ID || !stored.HasAttachments {
			t.Errorf("stored thread aggregates: %+v", stored)
		}
		if msg.IsDraft || msg.DeliveryStatus == nil || *msg.DeliveryStatus != message.DeliveryStatusQUEUED || msg.AuthorName != "Alex Morgan" {
			t.Errorf("message: draft %v, status %v, author %q", msg.IsDraft, msg.DeliveryStatus, msg.AuthorName)
		}
		atts := must[[]*ent.Attachment](t)(w.Client().Message.QueryAttachments(msg).All(w.System()))
		if len(atts) != 1 || atts[0].Filename != "bp.txt" || atts[0].ContentType != "text/plain" || !bytes.Equal(atts[0].Data, []byte("BP 128/84\n")) {
			t.Errorf("attachments: %+v", atts)
		}
		if delivered, _ := w.out.queued(); !slices.Equal(delivered, []string{msg.ID}) {
			t.Errorf("deliveries %v, want [%s]", delivered, msg.ID)
		}
		if got := since(w.changes(t), logged); !slices.Equal(got, []string{"Thread CREATED", "Message CREATED"}) {
			t.Errorf("changes %v", got)
		}
	})
}

func TestSendMessageToTeamRequiringSignatureSignsTheBody(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		_, msg := must2[*ent.Thread, *ent.Message](t)(w.Inbox.SendMessage(w.ctx, inbox.SendMessage{
			CareTeamID: w.signature, Category: thread.CategoryOTHER, Subject: "Records", Body: "Please send my records.",
			Signature: &inbox.Signature{FullName: " Alex O'Morgan ", Certified: true}}))
		want := "Please send my records.\n\n--------------------------------------------------\n\nAlex O'Morgan\nSigned electronically on " +
			w.Now().UTC().Format("2006-01-02") + "."
		if msg.Body != want {
			t.Errorf("body %q, want %q", msg.Body, want)
		}
	})
}

func TestReplyToThreadRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world) inbox.Reply // returns a reply the rules refuse
		code  inbox.Code
		field string
	}{
		{"thread ID of another kind", func(t *testing.T, w *world) inbox.Reply {
			return inbox.Reply{ThreadID: ids.New(ids.Message), Body: "Thanks"}
		}, inbox.CodeNotFound, "threadId"},
		{"unknown thread", func(t *testing.T, w *world) inbox.Reply {
			return inbox.Reply{ThreadID: ids.New(ids.Thread), Body: "Thanks"}
		}, inbox.CodeNotFound, "threadId"},
		{"blank body", func(t *testing.T, w *world) inbox.Reply {
			th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
			return inbox.Reply{ThreadID: th.ID, Body: " "}
		}, inbox.CodeBodyRequired, "body"},
		{"team blocked the veteran since", func(t *testing.T, w *world) inbox.Reply {
			th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
			if err := w.Client().Association.Update().Where(association.VeteranID(w.vid), association.CareTeamID(w.team)).
				SetBlocked(true).Exec(w.System()); err != nil {
				t.Fatal(err)
			}
			return inbox.Reply{ThreadID: th.ID, Body: "Thanks"}
		}, inbox.CodeCareTeamBlocked, "threadId"},
		{"last message older than the reply window", func(t *testing.T, w *world) inbox.Reply {
			th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
			w.afterDays(46)
			return inbox.Reply{ThreadID: th.ID, Body: "Thanks"}
		}, inbox.CodeReplyWindowClosed, "threadId"},
		{"thread holding only a draft", func(t *testing.T, w *world) inbox.Reply {
			th, _ := must2[*ent.Thread, *ent.Message](t)(w.Inbox.SaveDraft(w.ctx, inbox.Draft{CareTeamID: w.team, Body: "draft"}))
			return inbox.Reply{ThreadID: th.ID, Body: "Thanks"}
		}, inbox.CodeInvalidInput, "threadId"},
		{"team requires a signature, none given", func(t *testing.T, w *world) inbox.Reply {
			th, _ := w.clinicianStarts(t, w.signature, "Your records are ready.")
			return inbox.Reply{ThreadID: th.ID, Body: "Thanks"}
		}, inbox.CodeSignatureRequired, "electronicSignature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				in := c.setup(t, w)
				before := w.rows(t)
				_, _, err := w.Inbox.ReplyToThread(w.ctx, in)
				wantCode(t, err, c.code, c.field)
				if after := w.rows(t); after != before {
					t.Errorf("refused reply wrote rows: before %+v, after %+v", before, after)
				}
				if delivered, _ := w.out.queued(); len(delivered) > 0 {
					t.Errorf("refused reply queued deliveries %v", delivered)
				}
			})
		})
	}
}

func TestReplyToThreadWithinTheWindowAddsMessage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
		w.afterDays(44)
		got, msg := must2[*ent.Thread, *ent.Message](t)(w.Inbox.ReplyToThread(w.ctx, inbox.Reply{ThreadID: th.ID, Body: "Thank you!"}))
		if got.ID != th.ID || got.MessageCount != 2 || got.LastMessageID == nil || *got.LastMessageID != msg.ID {
			t.Errorf("thread after reply: %+v", got)
		}
		if !got.LastMessageAt.Equal(w.Now().Truncate(1e9)) {
			t.Errorf("last message at %v, want %v", got.LastMessageAt, w.Now())
		}
		if ms := w.messages(t, th.ID); len(ms) != 2 || ms[1].ID != msg.ID || ms[1].AuthorKind != message.AuthorKindVETERAN {
			t.Errorf("timeline: %v", ms)
		}
		if delivered, _ := w.out.queued(); !slices.Equal(delivered, []string{msg.ID}) {
			t.Errorf("deliveries %v, want [%s]", delivered, msg.ID)
		}
	})
}
