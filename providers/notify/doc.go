// Package notify is VAMS's adapter to the notification service (VA Notify,
// or notifysim in demo mode): it signs each call with the service's API key,
// posts push and email notifications by template, and classifies answers
// as providers.Error (unavailable: retry later; rejected: permanent), so the
// sync engine's breaker and retries treat it as they treat MHV and OH. It
// knows nothing of messages or GraphQL: callers pass the template's
// personalisation, and must keep PHI out of it.
package notify
