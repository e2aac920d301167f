package demo

import "slices"

// ExpectedThread is what a demo veteran should see of one script thread
// once the import and the VAMS-only data are in.
type ExpectedThread struct {
	Team        string // provider id
	Subject     string
	Folder      string // folder name
	Messages    int    // sent messages (drafts excluded)
	Unread      int
	Drafts      int
	Tags        []string
	Attachments bool
}

// Expected is the script's view of a veteran's mailbox.
func Expected(icn string) []ExpectedThread {
	var out []ExpectedThread
	for _, st := range mailboxes[icn] {
		e := ExpectedThread{Team: st.team, Subject: st.subject, Tags: slices.Clone(st.tags)}
		fromTeam := false
		for _, m := range st.msgs {
			switch m.by {
			case byDraft:
				e.Drafts++
				continue
			case byClinician:
				fromTeam = true
				if m.unread {
					e.Unread++
				}
			}
			e.Messages++
			e.Attachments = e.Attachments || len(m.files) > 0
		}
		switch {
		case st.folder != "":
			e.Folder = st.folder
		case e.Messages == 0:
			e.Folder = "Drafts"
		case fromTeam:
			e.Folder = "Inbox"
		default:
			e.Folder = "Sent"
		}
		out = append(out, e)
	}
	return out
}
