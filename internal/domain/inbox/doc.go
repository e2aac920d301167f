// Package inbox is the one place where the veteran's inbox rules live:
// sending, replying, drafts, folders, tags, read state, moves, listing with
// keyset pagination, and the idempotent ingestion of provider messages. It
// also makes every write and decision the sync engine needs — delivery
// outcomes, the care-team directory, reply targets, sync bookkeeping — so
// the engine only orchestrates. It works on the store through ent, queues
// provider work through its Outbox, and knows nothing of GraphQL or of any
// provider's wire format.
package inbox
