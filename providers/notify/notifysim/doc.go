// Package notifysim simulates the notification service VAMS calls when a
// clinician's message arrives, in the shape of VA Notify (a GOV.UK Notify
// derivative): POST /v2/notifications/push and /v2/notifications/email with
// a template id, personalisation and a reference, authenticated by a bearer
// JWT (HS256, iss = the service id, iat within 30 s) signed with the secret
// of the service's API key. A repeated reference answers with the first
// notification and records nothing (the deduplication VAMS relies on for
// exactly once).
//
// GET /control/notifications lists what it received (rendered from its
// templates, so tests can check what a veteran would see), DELETE clears it,
// and POST /control/faults arms an outage, an error rate or lost answers.
// It knows nothing of VAMS beyond the wire.
package notifysim
