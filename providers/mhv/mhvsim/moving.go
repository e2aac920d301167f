package mhvsim

import "net/http"

// Folder moves and MHV's soft delete.

func (s *Simulator) move(thread bool) func(http.ResponseWriter, *http.Request, *patient) {
	return func(w http.ResponseWriter, r *http.Request, p *patient) {
		m := s.lookup(w, r, p)
		if m == nil {
			return
		}
		fid, ok := pathInt(r, "folder")
		if !ok || !folderOK(p, fid) || fid == folderDrafts {
			mhvError(w, http.StatusBadRequest, 910, "", "Folder Doesn't exists")
			return
		}
		if !thread {
			if m.folder == folderDrafts {
				mhvError(w, http.StatusBadRequest, 118, "", "It is not possible to move a message from the DRAFTS folder")
				return
			}
			m.folder = fid
			success(w)
			return
		}
		for _, t := range s.threadMsgs(m) {
			if t.folder != folderDrafts {
				t.folder = fid
			}
		}
		success(w)
	}
}

// deleteMessage is MHV's soft delete: the message moves to Deleted.
func (s *Simulator) deleteMessage(w http.ResponseWriter, r *http.Request, p *patient) {
	m := s.lookup(w, r, p)
	if m == nil {
		return
	}
	if m.folder == folderDrafts {
		s.removeOrder(m.id)
		delete(s.msgs, m.id)
	} else {
		m.folder = folderDeleted
	}
	success(w)
}
