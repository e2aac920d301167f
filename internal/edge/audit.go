package edge

import (
	"time"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/domain/inbox"
)

// The audit trail is written from three places: the GraphQL extension
// (audit_graphql.go), attachment downloads (audit_download.go) and the
// operators' own queries of it (audit_ops.go).

// auditFlushTimeout bounds writing a response's audit entries; they are
// written even when the client has gone away.
const auditFlushTimeout = 10 * time.Second

func outcomeOf(err error) string {
	if err == nil {
		return audit.OutcomeOK
	}
	if e, ok := inbox.AsError(err); ok {
		return audit.OutcomeError + ":" + string(e.Code)
	}
	return audit.OutcomeError
}
