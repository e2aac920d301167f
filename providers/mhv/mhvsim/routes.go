package mhvsim

import "net/http"

// IdempotencyHeader is the optional request header the simulator honours on
// sends: a repeated key for the same patient returns the original message.
// Real MHV has no such header and ignores it.
const IdempotencyHeader = "X-Idempotency-Key"

const apiPrefix = "/v1/sm/patient/"

func (s *Simulator) routes() {
	m := http.NewServeMux()
	p := func(method, path string, h func(http.ResponseWriter, *http.Request, *patient)) {
		m.HandleFunc(method+" "+apiPrefix+path, s.authed(h))
	}
	m.HandleFunc("GET "+apiPrefix+"session", s.session)
	p("GET", "folder", s.folders)
	p("POST", "folder", s.createFolder)
	p("GET", "folder/{id}", s.folder)
	p("GET", "folder/threadlistview/{id}", s.threadList)
	p("GET", "folder/{id}/message/page/{page}/pageSize/{size}", s.folderMessages)
	p("GET", "message/category", s.categories)
	p("GET", "message/{id}/read", s.read)
	p("GET", "message/{id}/history", s.history)
	p("GET", "message/{id}/messagesforthread", s.thread(false))
	p("GET", "message/{id}/allmessagesforthread/{page}", s.thread(true))
	p("GET", "message/{id}/status", s.status)
	p("GET", "message/{id}/attachment/{att}", s.attachment)
	p("POST", "message", s.send(false, false))
	p("POST", "message/renewal", s.send(false, false))
	p("POST", "message/attach", s.send(false, true))
	p("POST", "message/{id}/reply", s.send(true, false))
	p("POST", "message/{id}/reply/attach", s.send(true, true))
	p("POST", "message/draft", s.draft(false))
	p("POST", "message/{id}/replydraft", s.draft(true))
	p("POST", "message/{id}/move/tofolder/{folder}", s.move(false))
	p("POST", "message/{id}/movethreadmessages/tofolder/{folder}", s.move(true))
	p("POST", "message/{id}", s.deleteMessage)
	p("GET", "triageteam", s.triageTeams)
	p("GET", "alltriageteams", s.allTriageTeams)
	p("GET", "preferences/signature", s.getSignature)
	p("POST", "preferences/signature", s.postSignature)
	p("POST", "preferences/patientpreferredtriagegroups", s.preferredTeams)
	s.api = m
	s.controlRoutes()
}
