// Package auth authenticates veterans calling VAMS: it verifies the bearer JWT
// access tokens issued by VA's OIDC identity provider (RS256/ES256, keys from a
// cached JWKS that is refetched on key rotation) and puts the caller's ICN and
// roles in the request context. For demo mode it also provides DevIssuer, a
// small development identity provider whose tokens go through the same
// Verifier, so the production code path is the one exercised.
package auth
