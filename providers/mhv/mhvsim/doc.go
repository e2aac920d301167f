// Package mhvsim is a stateful simulator of the MHV secure-messaging patient
// API (sessions, folders with custom ones, threads, messages, triage teams,
// error codes) for tests and local development, plus a JSON control API
// under /control/ to play the clinician side, inject outages and lose data.
// Mount it with http.StripPrefix("/sim/mhv", sim) and point the adapter at
// http://host/sim/mhv/.
//
// New keeps its state in memory; Open keeps it in Seed.StateFile as well
// (messages, the id counter, custom folders, preferences, signatures,
// idempotency keys, seeded batches; not sessions), so a simulator restarted
// on the same file answers as before and never hands out an id twice. The
// file is written atomically at most SaveDelay after each change and on
// Close; a crash loses at most the changes of that last delay (package
// simstate). Each triage team serves the patients in
// TriageTeam.AssociatedWith: only they see it and may write to it.
// SeedHistory adds a named batch of existing conversations once.
//
// Control API (JSON, unauthenticated, development only):
//
//	POST /control/clinician-messages {"icn","careTeam"?,"subject"?,"body","inReplyTo"?,"category"?} → 201 {"id"}
//	GET  /control/messages?icn=     → [{"id","threadId","direction","careTeam",...,"status"}]
//	POST /control/status {"id","status"} → 204 (READ, UNREAD or DELETED, made outside VAMS)
//	POST /control/outage {"down","latencyMs","errorRate"} → 200
//	GET  /control/care-teams        → [{"id","name",...,"associatedWith"}]
//	POST /control/wipe              → 204 (every message gone; ids keep counting)
//	POST /control/reset-ids         → 204 (wipe, and ids restart: new messages reuse old ids)
//	POST /control/faults {"ignoreIdempotencyKey","loseAnswers","holdAnswers"} → 204 (package simfault)
//
// The command cmd/mhvsim runs the demo's simulator in its own process.
package mhvsim
