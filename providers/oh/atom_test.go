package oh

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseAtomFixture(t *testing.T) {
	f, err := os.Open("testdata/fhir-dstu1-atom-search-feed-hapi.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := ParseAtom(f)
	if err != nil {
		t.Fatalf("ParseAtom: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("got %d entries, want 1", len(entries))
	}
	e := entries[0]
	if want := "http://uhnvesb01d.uhn.on.ca:25180/uhn-fhir-service/DiagnosticReport/7708192"; e.EntryID != want {
		t.Errorf("EntryID = %q, want %q", e.EntryID, want)
	}
	want := time.Date(2016, 6, 24, 15, 29, 6, 0, time.UTC)
	if !e.Updated.Equal(want) {
		t.Errorf("Updated = %v, want %v", e.Updated, want)
	}
	// A DiagnosticReport feed announces no message: the entry is kept but
	// marked so the intake skips it.
	if e.IsMessage() {
		t.Errorf("fixture entry should not be a message: %+v", e)
	}
}

func TestAtomRoundTrip(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	in := []AtomEntry{
		{MessageID: "54282597712.0.-4.prsnl", PatientID: "7929590", Authority: "va", Mailbox: "inbox", Updated: ts},
		{EntryID: "urn:custom:1", MessageID: "2170961659:-6:0:0", PatientID: "12", Authority: "va", Mailbox: "outbox", Updated: ts.Add(time.Second)},
		{MessageID: "m1", PatientID: "p/1", Authority: "a b", Updated: ts},
	}
	var buf bytes.Buffer
	if err := WriteAtom(&buf, in); err != nil {
		t.Fatal(err)
	}
	for _, phi := range []string{"subject", "body"} {
		if strings.Contains(strings.ToLower(buf.String()), phi) {
			t.Errorf("feed mentions %q", phi)
		}
	}
	out, err := ParseAtom(&buf)
	if err != nil {
		t.Fatalf("ParseAtom: %v\n%s", err, buf.String())
	}
	if len(out) != len(in) {
		t.Fatalf("got %d entries", len(out))
	}
	for i := range in {
		want := in[i]
		if want.EntryID == "" {
			want.EntryID = EntryID(want.Authority, want.MessageID)
		}
		if out[i] != want {
			t.Errorf("entry %d = %+v, want %+v", i, out[i], want)
		}
	}
}

func TestParseAtomLinks(t *testing.T) {
	feed := `<feed xmlns="http://www.w3.org/2005/Atom">
<entry><id>e1</id><updated>2025-01-02T03:04:05Z</updated>
  <link rel="self" href="https://oh.example/feeds/1"/>
  <link href="https://oh.example/messaging/va/service/va/patients/7929590/messages/54282597705.0.-4.prsnl"/></entry>
<entry><id>https://oh.example/x/va/patients/42/inbox/messages/2170961659%3A-6%3A0%3A0</id><published>2025-01-02T03:04:05.123-05:00</published></entry>
</feed>`
	es, err := ParseAtom(strings.NewReader(feed))
	if err != nil {
		t.Fatal(err)
	}
	want := []AtomEntry{
		{EntryID: "e1", MessageID: "54282597705.0.-4.prsnl", PatientID: "7929590", Authority: "va", Updated: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
		{EntryID: "https://oh.example/x/va/patients/42/inbox/messages/2170961659%3A-6%3A0%3A0", MessageID: "2170961659:-6:0:0", PatientID: "42", Authority: "va", Mailbox: "inbox"},
	}
	for i := range want {
		got := es[i]
		if i == 1 {
			if !got.Updated.Equal(time.Date(2025, 1, 2, 8, 4, 5, 123e6, time.UTC)) {
				t.Errorf("updated = %v", got.Updated)
			}
			got.Updated = time.Time{}
		}
		if got != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got, want[i])
		}
	}
}

func TestParseAtomJunk(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrNotAtom},
		{"not xml", "{\"json\":true}", ErrNotAtom},
		{"mismatched tags", `<feed xmlns="http://www.w3.org/2005/Atom"><entry></feed>`, ErrAtomSyntax},
		{"rss", `<rss><channel/></rss>`, ErrNotAtom},
		{"feed without namespace", `<feed><entry/></feed>`, ErrNotAtom},
		{"truncated", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id>`, ErrAtomSyntax},
		{"entry without id", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><updated>2025-01-02T03:04:05Z</updated></entry></feed>`, ErrAtomEntry},
		{"entry without updated", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id></entry></feed>`, ErrAtomEntry},
		{"bad updated", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><updated>yesterday</updated></entry></feed>`, ErrAtomEntry},
		{"foreign charset", `<?xml version="1.0" encoding="ISO-8859-1"?><feed xmlns="http://www.w3.org/2005/Atom"/>`, ErrAtomSyntax},
		{"too large", `<feed xmlns="http://www.w3.org/2005/Atom"><title>` + strings.Repeat("a", MaxAtomBytes) + `</title></feed>`, ErrAtomSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAtom(strings.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	es, err := ParseAtom(strings.NewReader(`<feed xmlns="http://www.w3.org/2005/Atom"/>`))
	if err != nil || len(es) != 0 {
		t.Errorf("empty feed: %v %v", es, err)
	}
}

func FuzzParseAtom(f *testing.F) {
	fixture, err := os.ReadFile("testdata/fhir-dstu1-atom-search-feed-hapi.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	var buf bytes.Buffer
	_ = WriteAtom(&buf, []AtomEntry{{MessageID: "54282597705.0.-4.prsnl", PatientID: "1", Authority: "va", Mailbox: "inbox", Updated: time.Unix(1700000000, 0)}})
	f.Add(buf.Bytes())
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><updated>2025-01-02T03:04:05Z</updated><link href="/a/patients//messages/"/></entry></feed>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseAtom(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrAtomSyntax) && !errors.Is(err, ErrNotAtom) && !errors.Is(err, ErrAtomEntry) && !errors.Is(err, ErrAtomSize) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, e := range es {
			if e.EntryID == "" || e.Updated.IsZero() {
				t.Fatalf("entry without id: %+v", e)
			}
			if e.IsMessage() {
				// What we parse we must be able to write and re-read.
				var b bytes.Buffer
				if err := WriteAtom(&b, []AtomEntry{e}); err != nil {
					t.Fatalf("WriteAtom: %v", err)
				}
				back, err := ParseAtom(&b)
				if err != nil || len(back) != 1 || back[0].MessageID != e.MessageID || back[0].PatientID != e.PatientID {
					t.Fatalf("re-read %+v → %+v, %v", e, back, err)
				}
			}
		}
	})
}
