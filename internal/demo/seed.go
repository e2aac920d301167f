package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/facility"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
)

// Seed loads the demo Directory and the demo mailboxes into s, in one
// transaction, as the system. Message times are spread over the ~120 days
// before now (UTC). It is idempotent: directory rows are created only when
// missing (never updated), and a veteran's mailbox is seeded only when the
// veteran has no thread yet, so a second call changes nothing.
func Seed(ctx context.Context, s *store.Store, now time.Time) error {
	ctx = viewer.System(ctx)
	now = now.UTC().Truncate(time.Second)
	return s.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client
		teams, err := seedDirectory(ctx, c, now)
		if err != nil {
			return err
		}
		for _, dv := range Directory.Veterans {
			vet, err := c.Veteran.Query().Where(veteran.Icn(dv.ICN)).Only(ctx)
			if err != nil {
				return err
			}
			if err := seedMailbox(ctx, c, vet, teams, mailboxes[dv.ICN], now); err != nil {
				return fmt.Errorf("demo: mailbox of veteran %s: %w", vet.ID, err)
			}
		}
		return nil
	})
}

func teamKey(provider providerkind.Kind, providerID string) string {
	return string(provider) + "/" + providerID
}

// seedDirectory creates missing facilities, care teams, veterans, their
// system folders and associations. It returns care team IDs by teamKey.
func seedDirectory(ctx context.Context, c *ent.Client, now time.Time) (map[string]string, error) {
	created := now.AddDate(0, 0, -180)
	facilities := map[string]string{}
	for _, f := range Directory.Facilities {
		id, err := c.Facility.Query().Where(facility.StationNumber(f.StationNumber)).OnlyID(ctx)
		if ent.IsNotFound(err) {
			var fac *ent.Facility
			fac, err = c.Facility.Create().SetStationNumber(f.StationNumber).SetName(f.Name).
				SetHealthCareSystem(f.HealthCareSystem).SetEhr(facility.Ehr(f.EHR)).SetCutoverPhase(f.CutoverPhase).
				SetCreatedAt(created).SetUpdatedAt(created).Save(ctx)
			if err == nil {
				id = fac.ID
			}
		}
		if err != nil {
			return nil, fmt.Errorf("demo: facility %s: %w", f.StationNumber, err)
		}
		facilities[f.StationNumber] = id
	}

	teams := map[string]string{}
	for _, t := range Directory.CareTeams {
		id, err := c.CareTeam.Query().Where(careteam.ProviderEQ(t.Provider), careteam.ProviderID(t.ProviderID)).OnlyID(ctx)
		if ent.IsNotFound(err) {
			fid, ok := facilities[t.StationNumber]
			if !ok {
				return nil, fmt.Errorf("demo: care team %s: unknown station %s", teamKey(t.Provider, t.ProviderID), t.StationNumber)
			}
			create := c.CareTeam.Create().SetName(t.Name).SetDisplayName(t.DisplayName).SetFacilityID(fid).
				SetProvider(t.Provider).SetProviderID(t.ProviderID).SetRequiresSignature(t.RequiresSignature).
				SetCreatedAt(created).SetUpdatedAt(created)
			if len(t.AlternateNames) > 0 {
				create.SetAlternateNames(t.AlternateNames)
			}
			var ct *ent.CareTeam
			if ct, err = create.Save(ctx); err == nil {
				id = ct.ID
			}
		}
		if err != nil {
			return nil, fmt.Errorf("demo: care team %s: %w", teamKey(t.Provider, t.ProviderID), err)
		}
		teams[teamKey(t.Provider, t.ProviderID)] = id
	}

	for _, dv := range Directory.Veterans {
		vid, err := c.Veteran.Query().Where(veteran.Icn(dv.ICN)).OnlyID(ctx)
		if ent.IsNotFound(err) {
			create := c.Veteran.Create().SetIcn(dv.ICN).SetDisplayName(dv.DisplayName).
				SetSignatureName(dv.SignatureName).SetSignatureTitle(dv.SignatureTitle).SetIncludeSignature(dv.IncludeSignature).
				SetCreatedAt(created).SetUpdatedAt(created)
			if dv.MHVCorrelationID != "" {
				create.SetMhvCorrelationID(dv.MHVCorrelationID)
			}
			if dv.OHPatientID != "" {
				create.SetOhPatientID(dv.OHPatientID).SetOhAuthority(dv.OHAuthority)
			}
			var v *ent.Veteran
			if v, err = create.Save(ctx); err == nil {
				vid = v.ID
			}
		}
		if err != nil {
			return nil, fmt.Errorf("demo: veteran: %w", err)
		}
		if err := inbox.EnsureSystemFolders(ctx, c, vid); err != nil {
			return nil, fmt.Errorf("demo: folders of veteran %s: %w", vid, err)
		}
		for _, t := range Directory.TeamsFor(dv.ICN, "") {
			tid := teams[teamKey(t.Provider, t.ProviderID)]
			exists, err := c.Association.Query().Where(association.VeteranID(vid), association.CareTeamID(tid)).Exist(ctx)
			if err != nil {
				return nil, err
			}
			if exists {
				continue
			}
			if err := c.Association.Create().SetVeteranID(vid).SetCareTeamID(tid).
				SetPreferred(t.PreferredByVeteran(dv.ICN)).SetBlocked(t.Blocks(dv.ICN)).
				SetCreatedAt(created).SetUpdatedAt(created).Exec(ctx); err != nil {
				return nil, fmt.Errorf("demo: association of veteran %s: %w", vid, err)
			}
		}
	}
	return teams, nil
}

// plannedMsg is a script message with its ID, times and files decided.
type plannedMsg struct {
	scriptMsg
	id     string
	at     time.Time // ordered_at; also sent_at unless a draft
	readAt *time.Time
	files  []plannedFile
}

type plannedFile struct {
	name, contentType string
	data              []byte
}

// seedMailbox creates the veteran's custom folders, tags and script threads,
// unless the veteran already has threads.
func seedMailbox(ctx context.Context, c *ent.Client, vet *ent.Veteran, teams map[string]string, script []scriptThread, now time.Time) error {
	has, err := c.Thread.Query().Where(thread.VeteranID(vet.ID)).Exist(ctx)
	if err != nil || has {
		return err
	}
	folders := map[string]string{}
	fs, err := c.Folder.Query().Where(folder.VeteranID(vet.ID)).All(ctx)
	if err != nil {
		return err
	}
	for _, f := range fs {
		folders[f.Name] = f.ID
	}
	tags := map[string]string{}
	for _, st := range script {
		if st.folder != "" && folders[st.folder] == "" {
			f, err := c.Folder.Create().SetVeteranID(vet.ID).SetName(st.folder).
				SetCreatedAt(now.AddDate(0, 0, -120)).SetUpdatedAt(now.AddDate(0, 0, -120)).Save(ctx)
			if err != nil {
				return err
			}
			folders[st.folder] = f.ID
		}
		for _, name := range st.tags {
			if tags[name] != "" {
				continue
			}
			id, err := c.Tag.Query().Where(tag.VeteranID(vet.ID), tag.Name(name)).OnlyID(ctx)
			if ent.IsNotFound(err) {
				var t *ent.Tag
				if t, err = c.Tag.Create().SetVeteranID(vet.ID).SetName(name).
					SetCreatedAt(now.AddDate(0, 0, -120)).SetUpdatedAt(now.AddDate(0, 0, -120)).Save(ctx); err == nil {
					id = t.ID
				}
			}
			if err != nil {
				return err
			}
			tags[name] = id
		}
	}
	for i, st := range script {
		if err := seedThread(ctx, c, vet, teams, folders, tags, st, now); err != nil {
			return fmt.Errorf("script thread %d: %w", i, err)
		}
	}
	return nil
}

func seedThread(ctx context.Context, c *ent.Client, vet *ent.Veteran, teams, folders, tags map[string]string, st scriptThread, now time.Time) error {
	team, ok := Directory.teamByID(st.team)
	if !ok {
		return fmt.Errorf("unknown care team %s", st.team)
	}
	teamID := teams[teamKey(team.Provider, team.ProviderID)]
	if len([]rune(st.subject)) > inbox.MaxSubjectLength || len(st.msgs) == 0 {
		return fmt.Errorf("bad script thread")
	}

	// Plan the messages: IDs minted in timeline order, times, files.
	at := now.Add(-time.Duration(st.daysAgo * 24 * float64(time.Hour))).Truncate(time.Second)
	msgs := make([]plannedMsg, len(st.msgs))
	for i, sm := range st.msgs {
		at = at.Add(time.Duration(sm.after * float64(time.Hour))).Truncate(time.Second)
		if at.After(now) {
			return fmt.Errorf("message %d is in the future", i)
		}
		pm := plannedMsg{scriptMsg: sm, id: ids.New(ids.Message), at: at}
		if sm.by == byClinician && !sm.unread {
			r := minTime(at.Add(95*time.Minute), now)
			pm.readAt = &r
		}
		if sm.by == byDraft && len(sm.files) > 0 {
			return fmt.Errorf("drafts hold no attachments")
		}
		for _, name := range sm.files {
			ct, data := demoFile(name)
			pm.files = append(pm.files, plannedFile{name: name, contentType: ct, data: data})
		}
		msgs[i] = pm
	}

	// Aggregates, by the inbox service's rules.
	var (
		count, unread int
		lastAt        time.Time
		lastID        *string
		hasFiles      bool
		fromTeam      bool
	)
	for i := range msgs {
		m := &msgs[i]
		if m.by == byDraft {
			continue
		}
		count++
		if m.by == byClinician {
			fromTeam = true
			if m.readAt == nil {
				unread++
			}
		}
		if lastID == nil || !m.at.Before(lastAt) {
			lastAt, lastID = m.at, &m.id
		}
		hasFiles = hasFiles || len(m.files) > 0
	}
	if count == 0 { // a new-message draft: sorted by its save time
		lastAt = msgs[len(msgs)-1].at
	}

	// Folder: the script's choice, else home (Drafts, Inbox or Sent).
	var folderID string
	switch {
	case st.folder != "":
		folderID = folders[st.folder]
	case count == 0:
		folderID = folders["Drafts"]
	case fromTeam:
		folderID = folders["Inbox"]
	default:
		folderID = folders["Sent"]
	}
	if folderID == "" {
		return fmt.Errorf("no folder for script thread")
	}

	create := c.Thread.Create().SetVeteranID(vet.ID).SetCareTeamID(teamID).SetFolderID(folderID).
		SetSubject(st.subject).SetCategory(st.cat).SetLastMessageAt(lastAt).SetNillableLastMessageID(lastID).
		SetMessageCount(count).SetUnreadCount(unread).SetHasAttachments(hasFiles).
		SetCreatedAt(msgs[0].at).SetUpdatedAt(msgs[len(msgs)-1].at)
	for _, name := range st.tags {
		create.AddTagIDs(tags[name])
	}
	th, err := create.Save(ctx)
	if err != nil {
		return err
	}

	for _, m := range msgs {
		mc := c.Message.Create().SetID(m.id).SetVeteranID(vet.ID).SetThreadID(th.ID).
			SetOrderedAt(m.at).SetCreatedAt(m.at).SetUpdatedAt(m.at)
		switch m.by {
		case byVeteran:
			body := m.body
			if team.RequiresSignature {
				body = signed(body, vet.DisplayName, m.at)
			}
			mc.SetAuthorKind(message.AuthorKindVETERAN).SetAuthorName(vet.DisplayName).SetBody(body).
				SetSentAt(m.at).SetDeliveryStatus(message.DeliveryStatusDELIVERED)
			if m.receipt {
				mc.SetClinicianReadAt(minTime(m.at.Add(4*time.Hour), now))
			}
		case byClinician:
			mc.SetAuthorKind(message.AuthorKindCLINICIAN).SetAuthorName(m.author).SetBody(m.body).
				SetSentAt(m.at).SetNillableReadAt(m.readAt)
		case byDraft:
			mc.SetAuthorKind(message.AuthorKindVETERAN).SetAuthorName(vet.DisplayName).SetBody(m.body).SetIsDraft(true)
		default:
			return fmt.Errorf("unknown author %q", m.by)
		}
		if err := mc.Exec(ctx); err != nil {
			return err
		}
		for _, f := range m.files {
			if err := c.Attachment.Create().SetVeteranID(vet.ID).SetMessageID(m.id).SetFilename(f.name).
				SetContentType(f.contentType).SetSize(int64(len(f.data))).SetData(f.data).
				SetCreatedAt(m.at).SetUpdatedAt(m.at).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// signed appends VA.gov's electronic signature block, as sent to teams that
// require one.
func signed(body, name string, at time.Time) string {
	return body + "\n\n--------------------------------------------------\n\n" + name + "\nSigned electronically on " + at.Format("2006-01-02") + "."
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// teamByID finds a team by provider id alone (the demo's MHV and OH ids do
// not overlap).
func (d DemoDirectory) teamByID(providerID string) (DemoCareTeam, bool) {
	for _, t := range d.CareTeams {
		if t.ProviderID == providerID {
			return t, true
		}
	}
	return DemoCareTeam{}, false
}
