package oh

import (
	"strconv"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// teamOf names the other party: the sending pool of an inbox message, the
// receiving pool of an outbox message (personnel as PersonnelPrefix ids).
func teamOf(m wire.Message, box string) string {
	if box == inbox {
		if m.PoolSenderID != 0 {
			return strconv.FormatInt(m.PoolSenderID, 10)
		}
		if m.PersonnelSenderID != 0 {
			return PersonnelPrefix + strconv.FormatInt(m.PersonnelSenderID, 10)
		}
		return ""
	}
	all := append(append([]wire.Receiver{}, m.Receivers...), m.CCReceivers...)
	for _, r := range all {
		if r.Type == wire.ReceiverPool && r.ReceiverID != 0 {
			return strconv.FormatInt(r.ReceiverID, 10)
		}
	}
	for _, r := range all {
		if r.Type == wire.ReceiverPersonnel && r.ReceiverID != 0 {
			return PersonnelPrefix + strconv.FormatInt(r.ReceiverID, 10)
		}
	}
	return ""
}

// toDomain maps a wire message. withBody is true for by-id answers, whose
// text and references lists omit.
func toDomain(m wire.Message, box string, withBody bool) providers.Message {
	canon, ver := wire.SplitID(m.ID)
	out := providers.Message{
		ExternalID:         canon,
		CareTeamExternalID: teamOf(m, box),
		Subject:            m.Subject,
		Version:            ver,
		BodyIncluded:       withBody,
	}
	if t, err := wire.ParseTime(m.CreateDate); err == nil {
		out.SentAt = t
	}
	// Until its references are read, a message stands for its own thread:
	// a listing (which has none) says so, and reconciliation fetches an
	// unknown listed message whole to place it.
	out.ThreadExternalID = canon
	if withBody {
		out.Body = wire.DecodeBody(m)
		if n := len(m.ReferenceIDs); n > 0 {
			// referenceIds run oldest first and exclude the message itself.
			// [Inference] The simulator makes reference ids equal message
			// ids; real OH may not, which would need a lookup here.
			out.ThreadExternalID, _ = wire.SplitID(m.ReferenceIDs[0])
			out.InReplyToExternalID, _ = wire.SplitID(m.ReferenceIDs[n-1])
		}
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, providers.AttachmentInfo{ExternalID: a.MediaIdentifier, Filename: a.Name})
	}
	if box == inbox {
		out.Direction = providers.ToVeteran
		switch m.Status {
		case wire.StatusOpened, wire.StatusOnHold:
			out.Status = providers.StatusRead
		case wire.StatusDeleted:
			out.Status = providers.StatusDeleted
		default:
			out.Status = providers.StatusUnread
		}
		return out
	}
	out.Direction = providers.ToClinician
	out.Status = providers.StatusRead
	if m.Status == wire.StatusDeleted {
		out.Status = providers.StatusDeleted
	}
	// Receivers carry the care team's own status. OH records no read time,
	// so the last update stands in for it once a receiver has opened it.
	for _, r := range append(append([]wire.Receiver{}, m.Receivers...), m.CCReceivers...) {
		if r.Status == wire.StatusOpened || r.Status == wire.StatusOnHold {
			t, err := wire.ParseTime(m.UpdateDate)
			if err != nil {
				t = out.SentAt
			}
			out.ClinicianReadAt = &t
			break
		}
	}
	return out
}
