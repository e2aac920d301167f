// Package ohsim is an in-memory, stateful simulator of Oracle Health
// Millennium Messaging Web Services (10.8) for VAMS development and tests.
//
// A Simulator is an http.Handler. It serves the Messaging REST endpoints the
// OH adapter (package oh) uses, with the swagger's payloads, statuses,
// versioned message ids (entity.version.-4.prsnl; every status change bumps
// the version and a stale one gets 409), the 1,000-per-window list cap and
// 301 answers for merged patients. On every new message it POSTs a signed
// Atom publication (oh.WriteAtom, oh.SignPublication) to PublicationURL from
// a background goroutine, retrying with exponential backoff and, with
// probability DuplicateRate, sending it twice. Reads and deletes are never
// pushed, as in OH.
//
// Mount it under a prefix with the prefix stripped; VAMS uses
//
//	mux.Handle("/sim/oh/", http.StripPrefix("/sim/oh", sim))
//
// and points the adapter at BaseURL "http://host/sim/oh".
//
// A JSON control API under /control/ plays the other side: clinicians
// writing to veterans, changes made in other portals, outages and patient
// merges:
//
//	POST /control/clinician-messages {"icn","careTeam"?,"subject"?,"body","inReplyTo"?,"sentAt"?} → 201 {"id"}
//	GET  /control/messages?icn=      → [{"id","direction","careTeam","subject","body","status","inReplyTo","sentAt"}]
//	POST /control/status   {"id","status"}                  → 204 (no push)
//	POST /control/outage   {"down","latencyMs","errorRate"} → 204
//	POST /control/merge    {"icn","newPatientId"}           → 204
//	GET  /control/care-teams                                → [{"id","name","externalNames",...}]
//
// Each has a Go method twin (ClinicianMessage, Messages, SetStatus,
// SetOutage, Merge, CareTeams) for tests in the same process. The control API
// is unauthenticated and must never be exposed outside development.
package ohsim
