package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/idempotencyrecord"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
)

// Mutations that create or send take the client's clientMutationId as an
// idempotency key, scoped to the veteran: a retry of the same input answers
// with what the first call made instead of acting twice (docs/rules.md,
// "Retries").
const (
	// IdempotencyWindow is how long a key is remembered.
	IdempotencyWindow = 24 * time.Hour
	// MaxKeyLength bounds a clientMutationId, in bytes (a UUID takes 36).
	MaxKeyLength = 255
)

// Operation names a keyed mutation as the API does.
type Operation string

const (
	OpSendMessage   Operation = "sendMessage"
	OpReplyToThread Operation = "replyToThread"
	OpSendDraft     Operation = "sendDraft"
	OpSaveDraft     Operation = "saveDraft"
	OpCreateFolder  Operation = "createFolder"
	OpCreateTag     Operation = "createTag"
)

// claim is one keyed mutation: whose, which key, and what was asked.
type claim struct {
	vid, key string
	op       Operation
	hash     string
	stale    int64 // an expired record of the key, replaced by this one
}

// newClaim keys a mutation whose input input writes to the digest. No key,
// no claim: the mutation is then not idempotent.
func newClaim(vid string, op Operation, key string, input func(*digest)) (*claim, error) {
	if key == "" {
		return nil, nil
	}
	if err := checkText("clientMutationId", key); err != nil {
		return nil, err
	}
	if len(key) > MaxKeyLength {
		return nil, newErr(CodeInvalidInput, "clientMutationId", "clientMutationId can be at most %d bytes.", MaxKeyLength)
	}
	d := &digest{h: sha256.New()}
	d.str(string(op))
	input(d)
	return &claim{vid: vid, key: key, op: op, hash: hex.EncodeToString(d.h.Sum(nil))}, nil
}

// once runs a mutation at most once per claim. write records the claim in
// its own transaction (remember), under the unique (veteran, key), so a new
// key costs no read before the transaction; a key already used makes that
// transaction fail and roll back, and only then is the key's record read:
// its first call's result is the answer, resolved afresh by replay (or
// IDEMPOTENCY_KEY_REUSED for other input). An expired record under the key
// is replaced by a second write. A write that fails while the key has no
// record fails as it did.
func once[T any](ctx context.Context, s *Service, c *claim, replay func([]string) (T, error), write func() (T, error)) (T, error) {
	if c == nil {
		return write()
	}
	var zero T
	v, werr := write()
	if werr == nil {
		return v, nil
	}
	ids, err := s.prior(ctx, c)
	switch {
	case err != nil:
		if e, ok := AsError(err); ok && e.Code == CodeIdempotencyKeyReused {
			return zero, err
		}
	case ids != nil:
		return replay(ids)
	case c.stale != 0:
		return write()
	}
	return zero, werr
}

// prior returns the IDs the claim's key made, or nil when the key is new or
// expired. A live key of another operation or input is refused.
func (s *Service) prior(ctx context.Context, c *claim) ([]string, error) {
	r, err := s.store.Client.IdempotencyRecord.Query().
		Where(idempotencyrecord.VeteranID(c.vid), idempotencyrecord.Key(c.key)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	case !s.now().Before(r.CreatedAt.Add(IdempotencyWindow)):
		c.stale = r.ID
		return nil, nil
	case r.Operation != string(c.op) || r.InputHash != c.hash:
		return nil, newErr(CodeIdempotencyKeyReused, "clientMutationId",
			"This clientMutationId was already used for a different request. Use a new one for each action.")
	}
	return r.ResultIds, nil
}

// remember records what the claim's mutation made in tx, the mutation's own
// transaction: both commit or neither does. A nil claim records nothing.
func (s *Service) remember(ctx context.Context, tx *store.Tx, c *claim, ids ...string) error {
	if c == nil {
		return nil
	}
	if c.stale != 0 {
		if _, err := tx.Client.IdempotencyRecord.Delete().Where(idempotencyrecord.ID(c.stale)).Exec(ctx); err != nil {
			return err
		}
	}
	return tx.Client.IdempotencyRecord.Create().SetVeteranID(c.vid).SetKey(c.key).SetOperation(string(c.op)).
		SetInputHash(c.hash).SetResultIds(ids).SetCreatedAt(s.now()).Exec(ctx)
}

// PruneIdempotencyRecords forgets keys older than IdempotencyWindow, for
// every veteran (the sync engine runs it periodically).
func (s *Service) PruneIdempotencyRecords(ctx context.Context) (int, error) {
	return s.store.Client.IdempotencyRecord.Delete().
		Where(idempotencyrecord.CreatedAtLTE(s.now().Add(-IdempotencyWindow))).Exec(viewer.System(ctx))
}

// onceSent is once for a mutation that answers with a thread and a message:
// it claims key for op over the input's digest, then writes under the claim.
func (s *Service) onceSent(ctx context.Context, vid string, op Operation, key string, input func(*digest),
	write func(*claim) (*ent.Thread, *ent.Message, error)) (*ent.Thread, *ent.Message, error) {
	c, err := newClaim(vid, op, key, input)
	if err != nil {
		return nil, nil, err
	}
	r, err := once(ctx, s, c, s.replaySent(ctx), func() (sent, error) {
		th, m, err := write(c)
		return sent{th, m}, err
	})
	return r.thread, r.message, err
}

// sent is what a send or a draft save made.
type sent struct {
	thread  *ent.Thread
	message *ent.Message
}

// replaySent resolves a recorded thread and message afresh.
func (s *Service) replaySent(ctx context.Context) func([]string) (sent, error) {
	return func(ids []string) (sent, error) {
		if len(ids) != 2 {
			return sent{}, fmt.Errorf("inbox: idempotency record holds %d IDs, want 2", len(ids))
		}
		th, err := replayOne(ctx, s.store.Client.Thread.Get)(ids[:1])
		if err != nil {
			return sent{}, err
		}
		m, err := replayOne(ctx, s.store.Client.Message.Get)(ids[1:])
		return sent{th, m}, err
	}
}

// replayOne resolves one recorded entity afresh; one deleted since is not
// found.
func replayOne[T any](ctx context.Context, get func(context.Context, string) (T, error)) func([]string) (T, error) {
	return func(ids []string) (T, error) {
		if len(ids) != 1 {
			var zero T
			return zero, fmt.Errorf("inbox: idempotency record holds %d IDs, want 1", len(ids))
		}
		v, err := get(ctx, ids[0])
		return v, mapNotFound(err, "clientMutationId")
	}
}

// digest is a canonical hash of a mutation's input, clientMutationId left
// out: the fields in the operation's fixed order, each length-prefixed and
// the optional ones flagged, so that different inputs never encode alike.
// Files count by name, type and the SHA-256 of their bytes.
type digest struct{ h hash.Hash }

func (d *digest) str(s string) *digest {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	d.h.Write(n[:])
	d.h.Write([]byte(s))
	return d
}

func (d *digest) flag(b bool) *digest {
	if b {
		d.h.Write([]byte{1})
	} else {
		d.h.Write([]byte{0})
	}
	return d
}

func (d *digest) opt(s *string) *digest {
	if d.flag(s != nil); s != nil {
		d.str(*s)
	}
	return d
}

func (d *digest) signature(sig *Signature) *digest {
	if d.flag(sig != nil); sig != nil {
		d.str(sig.FullName).flag(sig.Certified)
	}
	return d
}

func (d *digest) files(fs []checkedFile) *digest {
	d.str(fmt.Sprint(len(fs)))
	for _, f := range fs {
		sum := sha256.Sum256(f.Data)
		d.str(f.Filename).str(f.ContentType).str(string(sum[:]))
	}
	return d
}
