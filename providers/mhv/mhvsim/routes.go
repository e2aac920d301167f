package mhvsim

import "net/http"

// IdempotencyHeader is the optional request header the simulator honours on
// sends: a repeated key for the same patient returns the original message.
// Real MHV has no such header and ignores it; so does the simulator when
// the faults say so (simfault.Settings.IgnoreIdempotencyKey).
// It is deliberately not (X-)Idempotency-Key: Go's HTTP client replays a
// POST carrying that header when a kept-alive connection drops before the
// answer, which against a provider that ignores the header delivers the
// message twice.
const IdempotencyHeader = "X-Vams-Send-Key"

const apiPrefix = "/v1/sm/patient/"

func (s *Simulator) routes() {
	m := http.NewServeMux()
	p := func(method, path string, h func(http.ResponseWriter, *http.Request, *patient)) {
		m.HandleFunc(method+" "+apiPrefix+path, s.counted(method+" "+path, s.authed(h)))
	}
	// Sends go through the armed faults outside the state lock.
	send := func(path string, reply, multi bool) {
		m.Handle("POST "+apiPrefix+path, s.faults.Send(s.authed(s.send(reply, multi))))
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
	send("message", false, false)
	send("message/renewal", false, false)
	send("message/attach", false, true)
	send("message/{id}/reply", true, false)
	send("message/{id}/reply/attach", true, true)
	p("POST", "message/draft", s.draft(false))
	p("POST", "message/{id}/replydraft", s.draft(true))
	p("POST", "message/{id}/move/tofolder/{folder}", s.move(false))
	p("POST", "message/{id}/movethreadmessages/tofolder/{folder}", s.move(true))
	p("POST", "message/{id}", s.deleteMessage)
	p("GET", "triageteam", s.triageTeams)
	p("GET", "alltriageteams", s.allTriageTeams)
	p("GET", "preferences/signature", s.getSignature)
	p("POST", "preferences/signature", s.postSignature)
	p("GET", "preferences/notification", s.getNotification)
	p("POST", "preferences/notification", s.postNotification)
	p("POST", "preferences/patientpreferredtriagegroups", s.preferredTeams)
	s.api = m
	s.controlRoutes()
}
