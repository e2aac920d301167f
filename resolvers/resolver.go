// Package resolvers maps the GraphQL API onto the inbox service and the store.
// Resolvers stay thin: rules live in package inbox, access in the ent privacy
// layer, batching in package loaders.
package resolvers

// Resolver is the root of the resolver tree; its dependencies are wired in
// server.go.
type Resolver struct{}
