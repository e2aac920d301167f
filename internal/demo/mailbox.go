package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/va/vams/ent/thread"
)

// The mailbox script: every demo conversation, as plain data in
// mailboxes.json (per veteran ICN; staff names are fictional). Seed turns it
// into threads and messages, computing folders and aggregates from it.

// Folder names a script thread may be placed in besides its home folder.
const (
	folderTrash        = "Trash"
	folderTravelClaims = "Travel Claims"
)

// Authors of script messages.
const (
	byVeteran   sender = "veteran"   // a sent message from the veteran
	byClinician sender = "clinician" // a message from the care team
	byDraft     sender = "draft"     // the veteran's unsent draft
)

// sender says who wrote a script message.
type sender string

type scriptMsg struct {
	By      sender   `json:"by"`
	After   float64  `json:"after"`            // hours after the previous message (the first one: after the thread start)
	Author  string   `json:"author,omitempty"` // clinician's name; the veteran's own name is used for veteran and draft
	Body    string   `json:"body"`
	Unread  bool     `json:"unread,omitempty"`  // clinician only: not read by the veteran yet
	Receipt bool     `json:"receipt,omitempty"` // veteran only: the care team read it (MHV read receipt)
	Files   []string `json:"files,omitempty"`   // attachment file names; content is chosen by extension
}

type scriptThread struct {
	Team     string          `json:"team"` // care team provider id
	Category thread.Category `json:"category"`
	Subject  string          `json:"subject"`
	Folder   string          `json:"folder,omitempty"` // "" for the home folder (Inbox, Sent or Drafts from the messages), else Trash or a custom folder
	DaysAgo  float64         `json:"daysAgo"`          // thread start, in days before now
	Tags     []string        `json:"tags,omitempty"`
	Messages []scriptMsg     `json:"messages"`
}

//go:embed mailboxes.json
var mailboxesJSON []byte

// mailboxes is the script, per veteran ICN.
var mailboxes = mustLoadMailboxes(mailboxesJSON)

// mustLoadMailboxes decodes the embedded script; a malformed script is a
// programming error caught by any test of the package, so it panics.
func mustLoadMailboxes(data []byte) map[string][]scriptThread {
	var boxes map[string][]scriptThread
	if err := json.Unmarshal(data, &boxes); err != nil {
		panic(fmt.Sprintf("demo: mailboxes.json: %v", err))
	}
	for icn, threads := range boxes {
		for _, st := range threads {
			if err := thread.CategoryValidator(st.Category); err != nil {
				panic(fmt.Sprintf("demo: mailboxes.json: %s %q: %v", icn, st.Subject, err))
			}
			for _, m := range st.Messages {
				if m.By != byVeteran && m.By != byClinician && m.By != byDraft {
					panic(fmt.Sprintf("demo: mailboxes.json: %s %q: unknown sender %q", icn, st.Subject, m.By))
				}
			}
		}
	}
	return boxes
}
