// Package ids mints the opaque, prefixed, non-enumerable identifiers VAMS
// exposes to clients (thr_01J…, msg_01J…) and maps a prefix back to its table
// for node(id:) lookups.
package ids

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Prefixes, one per entity a client can address. Changing one breaks every ID
// already handed out.
const (
	Veteran     = "vet"
	Facility    = "fac"
	CareTeam    = "ct"
	Association = "asc"
	Folder      = "fld"
	Tag         = "tag"
	Thread      = "thr"
	Message     = "msg"
	Attachment  = "att"
	ProviderRef = "prf"
	SyncState   = "syn"
	AtomEntry   = "atm"
	// Notification and PushDevice are never shown to clients.
	Notification = "ntf"
	PushDevice   = "pdv"
)

var (
	mu      sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// New returns prefix_ULID. ULIDs sort by creation time, which keeps B-tree
// inserts local, and carry 80 random bits, so they cannot be guessed.
func New(prefix string) string {
	mu.Lock()
	defer mu.Unlock()
	return prefix + "_" + ulid.MustNew(ulid.Timestamp(time.Now()), entropy).String()
}

// Prefix returns the prefix of id, or "" when id has none.
func Prefix(id string) string {
	p, _, ok := strings.Cut(id, "_")
	if !ok {
		return ""
	}
	return p
}
