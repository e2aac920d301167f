// Package oh is the VAMS provider for Oracle Health (Cerner Millennium)
// patient messaging, speaking Millennium Messaging Web Services 10.8
// ("Messaging REST", messaging-rest-swagger_v3.yaml).
//
// Client implements providers.Provider:
//
//   - Send: POST /{authority}/patients/{pid}/outbox/messages with a POOL
//     receiver (care-team external id = pool id; "personnel:<id>" gives a
//     PERSONNEL receiver), previousMessageId for replies, RTF text in code
//     page 1252 after NormalizeText, and the send key header (wire.IdempotencyHeader).
//   - SetStatus: PUT …/inbox/messages/{id}/status/{OPENED|UNREAD|DELETED},
//     version-checked; 409 → re-read → re-apply (ConflictRetries) →
//     ErrConflict.
//   - GetMessage / GetThread: by-id reads with loadReferences.
//   - ListMessages: inbox + outbox by create-date window including DELETED,
//     halving windows whose answer hits the 1,000 cap.
//   - CareTeams: pools by name; a pool's several external names become one
//     team with AlternateNames.
//
// Message ids have the OH shape entity.version.-4.prsnl. The version part
// changes with every status change and is what the 409 check compares, so
// ExternalID is the version-0 form (the id as created) and Message.Version
// carries the current version.
//
// Errors are *providers.Error: 5xx, 429, timeouts → ErrUnavailable; 404 →
// ErrNotFound; 409 → ErrConflict; 301 (patient merge) → ErrMoved with
// NewPatientID; other 4xx → ErrRejected. Reasons never include PHI.
//
// The package also owns VAMS's intake side of OH's Atom "publication":
// ParseAtom/WriteAtom (shape documented in atom.go) and the HMAC header
// SignatureHeader, SignPublication and VerifyPublication. OH documents
// neither the publication schema nor its authentication; both are VAMS's
// own contract, implemented by the simulator in package ohsim.
package oh
