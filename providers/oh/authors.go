package oh

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// Messaging REST names a care team's message's writer only by
// personnelSenderId; the name is a FHIR Practitioner read. Names change
// rarely and clinicians write many messages, so they are cached.
const (
	authorNameTTL = 24 * time.Hour
	// authorMissTTL is how long an unknown or unreadable practitioner is
	// not asked for again; until then its messages show the care team.
	authorMissTTL = 10 * time.Minute
)

type authorName struct {
	name    string
	expires time.Time
}

type authorCache struct {
	mu    sync.Mutex
	names map[string]authorName // authority + "/" + personnel id
	now   func() time.Time
}

// message maps a wire message and, for a care team's message with a known
// writer, fills in the writer's name. A failed name lookup leaves it empty
// (VAMS then shows the care team's name) and never fails the read.
func (c *Client) message(ctx context.Context, v providers.Veteran, m wire.Message, box string, withBody bool) providers.Message {
	dm := toDomain(m, box, withBody)
	if box == inbox && m.PersonnelSenderID != 0 {
		dm.AuthorName = c.authorName(ctx, c.authority(v), m.PersonnelSenderID)
	}
	return dm
}

func (c *Client) authorName(ctx context.Context, authority string, personnelID int64) string {
	id := strconv.FormatInt(personnelID, 10)
	key := authority + "/" + id
	now := c.authors.now()
	c.authors.mu.Lock()
	a, ok := c.authors.names[key]
	c.authors.mu.Unlock()
	if ok && now.Before(a.expires) {
		return a.name
	}
	name, err := c.readPractitioner(ctx, authority, id)
	a = authorName{name: name, expires: now.Add(authorNameTTL)}
	if err != nil || name == "" {
		a = authorName{expires: now.Add(authorMissTTL)}
	}
	c.authors.mu.Lock()
	c.authors.names[key] = a
	c.authors.mu.Unlock()
	return a.name
}

func (c *Client) readPractitioner(ctx context.Context, authority, id string) (string, error) {
	u := c.fhir + "/" + url.PathEscape(authority) + "/Practitioner/" + url.PathEscape(id)
	_, data, err := c.doURL(ctx, "practitioner", http.MethodGet, u, nil, nil, http.Header{"Accept": {"application/fhir+json"}})
	if err != nil {
		return "", err
	}
	var p wire.Practitioner
	if err := json.Unmarshal(data, &p); err != nil || p.ResourceType != "Practitioner" {
		return "", malformed()
	}
	return p.DisplayName(), nil
}
