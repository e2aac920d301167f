// Package mhvsim is a stateful, in-memory simulator of the MHV secure-messaging
// patient API (sessions, folders, threads, messages, triage teams, error codes)
// for tests and local development, plus a JSON control API under /control/ to
// play the clinician side and inject outages. Mount it with
// http.StripPrefix("/sim/mhv", sim) and point the adapter at http://host/sim/mhv/.
package mhvsim
