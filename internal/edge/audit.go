package edge

import (
	"regexp"
	"time"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ids"
)

// The audit trail is written from three places: the GraphQL extension
// (audit_graphql.go), attachment downloads (audit_download.go) and the
// operators' own queries of it (audit_ops.go).

// auditFlushTimeout bounds writing a response's audit entries; they are
// written even when the client has gone away.
const auditFlushTimeout = 10 * time.Second

// targetTypes are the kinds of ID a veteran can name, by prefix.
var targetTypes = map[string]string{
	ids.Thread: "Thread", ids.Message: "Message", ids.Folder: "Folder", ids.Tag: "Tag",
	ids.CareTeam: "CareTeam", ids.Attachment: "Attachment", ids.Veteran: "Veteran",
}

// wellFormedID admits only IDs VAMS mints (prefix_ULID), so the trail never
// stores a client's free text in place of an ID.
var wellFormedID = regexp.MustCompile(`^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$`)

func auditTarget(id string) (typ, target string) {
	if !wellFormedID.MatchString(id) {
		return "", "malformed"
	}
	return targetTypes[ids.Prefix(id)], id
}

func outcomeOf(err error) string {
	if err == nil {
		return audit.OutcomeOK
	}
	if e, ok := inbox.AsError(err); ok {
		return audit.OutcomeError + ":" + string(e.Code)
	}
	return audit.OutcomeError
}
