// Package providers defines the one interface behind which each clinical
// messaging system (MHV, Oracle Health) sits, in VAMS's domain terms. Adapters
// live in sub-packages and keep their wire formats to themselves; nothing here
// knows GraphQL or the store.
package providers
