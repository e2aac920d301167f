// Package mhv is the VAMS provider for My HealtheVet (MHV) secure messaging,
// the platform behind VistA sites. It speaks MHV's patient API (v1/sm/patient/)
// as vets-api does, with per-veteran session tokens, and maps MHV payloads and
// error codes to the providers domain types so no wire format leaves it.
package mhv
