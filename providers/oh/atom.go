package oh

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// The Atom publication VAMS receives. OH's publication schema is not public
// (reference §1.6, §4), so VAMS fixes this shape and the simulator emits it:
//
//	<feed xmlns="http://www.w3.org/2005/Atom">
//	  <id>urn:oh:publication:{authority}:{first entry's message id}</id>
//	  <title>Millennium Messaging publication</title>
//	  <updated>2025-01-02T03:04:05Z</updated>
//	  <entry>
//	    <id>urn:oh:message:{authority}:{messageId}</id>
//	    <title>New message</title>
//	    <updated>2025-01-02T03:04:05Z</updated>
//	    <link rel="alternate" href="/{authority}/patients/{patientId}/{inbox|outbox}/messages/{messageId}"/>
//	  </entry>
//	</feed>
//
// One entry announces one new message; the entry id is derived from the
// message id, so a re-sent entry has the same id and is the consumer's dedupe
// key. Entries carry no subject, body or name (no PHI on the push). The
// link may be absolute or relative; the parser keys on the path segments
// ".../{authority}/patients/{pid}[/inbox|/outbox]/messages/{mid}".

// AtomNS is the Atom namespace.
const AtomNS = "http://www.w3.org/2005/Atom"

// MaxAtomBytes caps what ParseAtom reads; a publication carries a handful
// of entries, so anything bigger is junk or abuse.
const MaxAtomBytes = 4 << 20

// Atom parse errors; ParseAtom wraps them with detail.
var (
	ErrAtomSyntax = errors.New("atom: malformed XML")
	ErrNotAtom    = errors.New("atom: not an Atom feed")
	ErrAtomEntry  = errors.New("atom: invalid entry")
	ErrAtomSize   = errors.New("atom: feed too large")
)

// AtomEntry is one entry of a publication. MessageID, PatientID, Authority
// and Mailbox are empty when the entry has no message link (e.g. a feed of
// some other kind); callers skip such entries (see IsMessage).
type AtomEntry struct {
	EntryID   string
	MessageID string
	PatientID string
	Authority string
	// Mailbox is "inbox" (clinician → veteran), "outbox" (veteran →
	// clinician) or "" when the link does not say.
	Mailbox string
	Updated time.Time
}

// IsMessage reports whether the entry names a message to fetch.
func (e AtomEntry) IsMessage() bool { return e.MessageID != "" && e.PatientID != "" }

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

type atomEntryXML struct {
	ID        string     `xml:"http://www.w3.org/2005/Atom id"`
	Title     string     `xml:"http://www.w3.org/2005/Atom title"`
	Updated   string     `xml:"http://www.w3.org/2005/Atom updated"`
	Published string     `xml:"http://www.w3.org/2005/Atom published,omitempty"`
	Links     []atomLink `xml:"http://www.w3.org/2005/Atom link"`
}

// ParseAtom reads a publication feed. It fails with ErrAtomSyntax,
// ErrNotAtom, ErrAtomEntry (an entry without <id> or with an unreadable
// <updated>) or ErrAtomSize; it never panics.
func ParseAtom(r io.Reader) ([]AtomEntry, error) {
	lr := &io.LimitedReader{R: r, N: MaxAtomBytes + 1}
	d := xml.NewDecoder(lr)
	// A declared non-UTF-8 encoding is refused rather than guessed.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset")
	}
	var (
		entries []AtomEntry
		inFeed  bool
		depth   int
	)
	for {
		tok, err := d.Token()
		if lr.N <= 0 {
			return nil, ErrAtomSize
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrAtomSyntax, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Space != AtomNS || t.Name.Local != "feed" {
					return nil, ErrNotAtom
				}
				inFeed = true
				continue
			}
			if depth == 2 && t.Name.Space == AtomNS && t.Name.Local == "entry" {
				var ex atomEntryXML
				if err := d.DecodeElement(&ex, &t); err != nil {
					if lr.N <= 0 {
						return nil, ErrAtomSize
					}
					return nil, fmt.Errorf("%w: %v", ErrAtomSyntax, err)
				}
				depth--
				e, err := entryFromXML(ex)
				if err != nil {
					return nil, fmt.Errorf("%w (entry %d)", err, len(entries)+1)
				}
				entries = append(entries, e)
			}
		case xml.EndElement:
			depth--
		}
	}
	if !inFeed {
		return nil, ErrNotAtom
	}
	return entries, nil
}

func entryFromXML(ex atomEntryXML) (AtomEntry, error) {
	e := AtomEntry{EntryID: strings.TrimSpace(ex.ID)}
	if e.EntryID == "" {
		return e, fmt.Errorf("%w: missing id", ErrAtomEntry)
	}
	ts := strings.TrimSpace(ex.Updated)
	if ts == "" {
		ts = strings.TrimSpace(ex.Published)
	}
	if ts == "" {
		return e, fmt.Errorf("%w: missing updated", ErrAtomEntry)
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return e, fmt.Errorf("%w: bad updated", ErrAtomEntry)
	}
	e.Updated = t
	// Prefer rel=alternate (the default rel), then any link, then the id.
	cands := make([]string, 0, len(ex.Links)+1)
	for _, l := range ex.Links {
		if l.Rel == "" || l.Rel == "alternate" {
			cands = append(cands, l.Href)
		}
	}
	for _, l := range ex.Links {
		if l.Rel != "" && l.Rel != "alternate" {
			cands = append(cands, l.Href)
		}
	}
	cands = append(cands, e.EntryID)
	for _, c := range cands {
		if auth, pid, box, mid, ok := parseMessageRef(c); ok {
			e.Authority, e.PatientID, e.Mailbox, e.MessageID = auth, pid, box, mid
			break
		}
	}
	return e, nil
}

// parseMessageRef finds ".../{authority}/patients/{pid}[/{box}]/messages/{mid}"
// in a URL or path.
func parseMessageRef(ref string) (authority, pid, box, mid string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i := range segs {
		if segs[i] != "patients" || i+3 >= len(segs) {
			continue
		}
		rest := segs[i+2:]
		if rest[0] == "inbox" || rest[0] == "outbox" {
			box, rest = rest[0], rest[1:]
		}
		if len(rest) != 2 || rest[0] != "messages" {
			box = ""
			continue
		}
		p, err1 := url.PathUnescape(segs[i+1])
		m, err2 := url.PathUnescape(rest[1])
		if err1 != nil || err2 != nil || p == "" || m == "" {
			box = ""
			continue
		}
		if i > 0 {
			authority, _ = url.PathUnescape(segs[i-1])
		}
		return authority, p, box, m, true
	}
	return "", "", "", "", false
}

type atomFeedXML struct {
	XMLName xml.Name       `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string         `xml:"id"`
	Title   string         `xml:"title"`
	Updated string         `xml:"updated"`
	Entries []atomEntryXML `xml:"entry"`
}

// EntryID is the Atom entry id for a new-message event; it depends only on
// the message, so every re-send of the event carries the same id.
func EntryID(authority, messageID string) string {
	return "urn:oh:message:" + authority + ":" + messageID
}

// MessageHref is the entry link for a message.
func MessageHref(authority, patientID, mailbox, messageID string) string {
	p := "/" + url.PathEscape(authority) + "/patients/" + url.PathEscape(patientID)
	if mailbox != "" {
		p += "/" + mailbox
	}
	return p + "/messages/" + url.PathEscape(messageID)
}

// WriteAtom writes entries as a publication feed in the shape ParseAtom
// reads. Empty EntryIDs are derived with EntryID.
func WriteAtom(w io.Writer, entries []AtomEntry) error {
	feed := atomFeedXML{Title: "Millennium Messaging publication"}
	var newest time.Time
	for _, e := range entries {
		id := e.EntryID
		if id == "" {
			id = EntryID(e.Authority, e.MessageID)
		}
		ts := e.Updated.UTC().Format(time.RFC3339)
		feed.Entries = append(feed.Entries, atomEntryXML{
			ID:      id,
			Title:   "New message",
			Updated: ts,
			Links:   []atomLink{{Rel: "alternate", Href: MessageHref(e.Authority, e.PatientID, e.Mailbox, e.MessageID)}},
		})
		if e.Updated.After(newest) {
			newest = e.Updated
		}
	}
	if len(entries) > 0 {
		feed.ID = "urn:oh:publication:" + entries[0].Authority + ":" + entries[0].MessageID
	} else {
		feed.ID = "urn:oh:publication:empty"
	}
	feed.Updated = newest.UTC().Format(time.RFC3339)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	if err := enc.Encode(feed); err != nil {
		return err
	}
	return enc.Close()
}
