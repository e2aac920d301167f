// Package inbox is the one place where the veteran's inbox rules live:
// sending, replying, drafts, folders, tags, read state, moves, listing with
// keyset pagination, and the idempotent ingestion of provider messages. It
// works on the store through ent, queues provider work through its Outbox,
// and knows nothing of GraphQL or of any provider's wire format.
package inbox
