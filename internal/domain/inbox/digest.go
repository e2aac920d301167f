package inbox

import (
	"context"
	"time"

	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/notification"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
)

// QueueDigests records the daily digest of every veteran who wants one and
// whose local time (in their time zone) has reached hour today: one email
// counting the unread care-team messages of the last day that MHV does not
// email itself. Each veteran's local day is claimed by a conditional update,
// so a digest is decided once per day across runs and instances; a day with
// nothing waiting sends nothing. It runs as the system.
func (s *Service) QueueDigests(ctx context.Context, hour int) (int, error) {
	if s.notifier == nil {
		return 0, nil
	}
	now := s.now()
	vets, err := s.store.Client.Veteran.Query().Where(veteran.EmailFrequencyEQ(veteran.EmailFrequencyDAILY_DIGEST)).
		Select(veteran.FieldID, veteran.FieldTimeZone, veteran.FieldDigestDay).All(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, v := range vets {
		loc, err := time.LoadLocation(v.TimeZone)
		if err != nil {
			loc = defaultZone
		}
		local := now.In(loc)
		day := local.Format(time.DateOnly)
		if local.Hour() < hour || v.DigestDay == day {
			continue
		}
		err = s.store.InTx(ctx, func(tx *store.Tx) error {
			claimed, err := tx.Client.Veteran.Update().Where(veteran.ID(v.ID), veteran.DigestDayNEQ(day)).SetDigestDay(day).Save(ctx)
			if err != nil || claimed == 0 {
				return err
			}
			n, err := tx.Client.Message.Query().Where(message.VeteranID(v.ID), message.AuthorKindEQ(message.AuthorKindCLINICIAN),
				message.ReadAtIsNil(), message.ProviderDeletedAtIsNil(), message.SentAtGT(now.Add(-24*time.Hour)),
				message.HasThreadWith(thread.HasCareTeamWith(careteam.ProviderNEQ(providerkind.MHV)))).Count(ctx)
			if err != nil || n == 0 {
				return err
			}
			d, err := tx.Client.Notification.Create().SetVeteranID(v.ID).SetChannel(notification.ChannelEMAIL).
				SetKind(notification.KindDIGEST).SetCount(n).SetReference("vams-digest-" + v.ID + "-" + day).Save(ctx)
			if err != nil {
				return err
			}
			queued++
			return s.notifier.QueueNotification(ctx, tx, d.ID)
		})
		if err != nil {
			return queued, err
		}
	}
	return queued, nil
}
