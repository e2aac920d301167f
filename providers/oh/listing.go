package oh

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// DefaultListCap is OH's limit on one list answer per date window.
const DefaultListCap = 1000

// ListMessages lists inbox and outbox messages created in w, DELETED
// included, without bodies or references. OH filters by create date at
// whole seconds, inclusive at both ends, and returns at most ListCap
// messages per window; a full answer is split in halves until it is not.
func (c *Client) ListMessages(ctx context.Context, v providers.Veteran, w providers.Window) ([]providers.Message, error) {
	if _, err := c.patientPath(v); err != nil {
		return nil, err
	}
	from := w.Since.UTC().Truncate(time.Second)
	to := w.Until.UTC()
	if t := to.Truncate(time.Second); !t.Equal(to) {
		to = t.Add(time.Second)
	}
	seen := map[string]bool{}
	var out []providers.Message
	for _, box := range []string{inbox, outbox} {
		msgs, err := c.listWindow(ctx, v, box, from, to)
		if err != nil {
			return nil, err
		}
		for _, wm := range msgs {
			dm := c.message(ctx, v, wm, box, false)
			if seen[dm.ExternalID] || dm.SentAt.Before(w.Since) || !dm.SentAt.Before(w.Until) {
				continue
			}
			seen[dm.ExternalID] = true
			out = append(out, dm)
		}
	}
	sortBySent(out)
	return out, nil
}

// listWindow lists [from, to) (whole seconds) of one mailbox.
func (c *Client) listWindow(ctx context.Context, v providers.Veteran, box string, from, to time.Time) ([]wire.Message, error) {
	if !from.Before(to) {
		return nil, nil
	}
	pp, _ := c.patientPath(v)
	q := url.Values{
		"beginDate": {wire.FormatTime(from)},
		"endDate":   {wire.FormatTime(to.Add(-time.Second))},
		// The filter spells OPENED as OPEN; DELETED must be asked for.
		"statuses": {"UNREAD,OPEN,ONHOLD,DELETED"},
		"types":    {"MESSAGE"},
	}
	if box == inbox {
		q.Set("types", "MESSAGE,REMINDER")
	}
	_, data, err := c.do(ctx, "list", http.MethodGet, pp+"/"+box+"/messages", q, nil, nil)
	if err != nil {
		return nil, err
	}
	msgs, err := decodeMessages(data)
	if err != nil {
		return nil, malformed()
	}
	if len(msgs) < c.listCap {
		return msgs, nil
	}
	span := to.Sub(from)
	if span <= time.Second {
		return nil, perr(providers.ErrRejected, "LIST_CAP", reasonTooMany)
	}
	mid := from.Add(span / 2).Truncate(time.Second)
	if !mid.After(from) {
		mid = from.Add(time.Second)
	}
	a, err := c.listWindow(ctx, v, box, from, mid)
	if err != nil {
		return nil, err
	}
	b, err := c.listWindow(ctx, v, box, mid, to)
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}

// sortBySent orders messages oldest first, by id among equal times.
func sortBySent(out []providers.Message) {
	sort.Slice(out, func(i, j int) bool {
		if !out[i].SentAt.Equal(out[j].SentAt) {
			return out[i].SentAt.Before(out[j].SentAt)
		}
		return out[i].ExternalID < out[j].ExternalID
	})
}
