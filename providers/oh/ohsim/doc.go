// Package ohsim is a stateful simulator of Oracle Health Millennium
// Messaging Web Services (10.8) for VAMS development and tests.
//
// New keeps its state in memory; Open keeps it in Config.StateFile as well
// (messages, the id counter, merges, idempotency keys, seeded batches), so
// a simulator restarted on the same file answers as before and never hands
// out an id twice. The file is written atomically, at most SaveDelay after
// each change and on Close; a crash loses at most the changes of that last
// delay (see package simstate). Each pool serves the patients listed in
// Pool.AssociatedWith: only they see it in GET pools?patientId= (a
// simulator extension, as OH has no patient-to-pool mapping) and may write
// to it. SeedHistory adds a named batch of existing conversations once.
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
//	GET  /control/care-teams                                → [{"id","name","externalNames",...,"associatedWith"}]
//	POST /control/wipe                                      → 204 (every message gone; ids keep counting)
//	POST /control/reset-ids                                 → 204 (wipe, and ids restart: new messages reuse old ids)
//	POST /control/faults {"ignoreIdempotencyKey","loseAnswers","holdAnswers"} → 204 (package simfault)
//
// Each has a Go method twin (ClinicianMessage, Messages, SetStatus,
// SetOutage, Merge, CareTeams, Wipe, ResetIDs) for tests in the same
// process. The command cmd/ohsim runs the demo's simulator in its own
// process. The control API is unauthenticated and must never be exposed
// outside development.
package ohsim
