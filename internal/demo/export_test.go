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
		e := ExpectedThread{Team: st.Team, Subject: st.Subject, Tags: slices.Clone(st.Tags)}
		fromTeam := false
		for _, m := range st.Messages {
			switch m.By {
			case byDraft:
				e.Drafts++
				continue
			case byClinician:
				fromTeam = true
				if m.Unread {
					e.Unread++
				}
			}
			e.Messages++
			e.Attachments = e.Attachments || len(m.Files) > 0
		}
		switch {
		case st.Folder != "":
			e.Folder = st.Folder
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
