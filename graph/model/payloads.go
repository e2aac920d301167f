package model

import "github.com/va/vams/ent"

// ThreadPayload is hand-written so that the seven mutations answering "the
// thread as it now is" (MarkThreadPayload, MoveThreadPayload, ThreadPayload in
// the schema) share one Go type and one constructor in package resolvers.
type ThreadPayload struct {
	Thread           *ent.Thread
	ClientMutationID *string
}

// SentPayload is hand-written for the same reason: sendMessage, replyToThread
// and sendDraft each answer the thread and the message sent
// (SendMessagePayload, ReplyToThreadPayload, SendDraftPayload).
type SentPayload struct {
	Thread           *ent.Thread
	Message          *ent.Message
	ClientMutationID *string
}
