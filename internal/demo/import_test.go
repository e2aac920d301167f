package demo_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// mailboxView is what a veteran sees, through GraphQL.
type mailboxView struct {
	Viewer struct {
		UnreadCount  int
		ImportStatus struct{ State string }
		Signature    struct {
			Name             string
			IncludeSignature bool
		}
		Folders []struct {
			ID, Name    string
			ThreadCount int
			UnreadCount int
		}
		Tags      []struct{ Name string }
		CareTeams []struct {
			Name                        string
			StationNumber               string
			Preferred                   bool
			CanMessage                  bool
			CannotMessageReason         *string
			RequiresElectronicSignature bool
		}
	}
}

const mailboxQuery = `{ viewer { unreadCount importStatus { state } signature { name includeSignature }
	folders { id name threadCount unreadCount } tags { name }
	careTeams { name stationNumber preferred canMessage cannotMessageReason requiresElectronicSignature } } }`

type threadNode struct {
	Subject        string
	MessageCount   int
	UnreadCount    int
	HasAttachments bool
	Folder         struct{ Name string }
	Tags           []struct{ Name string }
	Messages       struct {
		Edges []struct {
			Node struct {
				IsDraft bool
			}
		}
	}
}

func threadsIn(t *testing.T, s *vamstest.System, icn, folderID string) []threadNode {
	t.Helper()
	var out struct {
		Viewer struct {
			Threads struct{ Edges []struct{ Node threadNode } }
		}
	}
	s.MustDo(icn, `query($f: ID!) { viewer { threads(folder: $f, first: 50) { edges { node { subject messageCount unreadCount
		hasAttachments folder { name } tags { name } messages(first: 8) { edges { node { isDraft } } } } } } } }`,
		map[string]any{"f": folderID}, &out)
	var nodes []threadNode
	for _, e := range out.Viewer.Threads.Edges {
		nodes = append(nodes, e.Node)
	}
	return nodes
}

// describe renders a mailbox as comparable lines, one per thread.
func describe(t *testing.T, s *vamstest.System, icn string) []string {
	t.Helper()
	var mb mailboxView
	s.MustDo(icn, mailboxQuery, nil, &mb)
	var out []string
	for _, f := range mb.Viewer.Folders {
		for _, th := range threadsIn(t, s, icn, f.ID) {
			drafts := 0
			for _, e := range th.Messages.Edges {
				if e.Node.IsDraft {
					drafts++
				}
			}
			var tags []string
			for _, tg := range th.Tags {
				tags = append(tags, tg.Name)
			}
			sort.Strings(tags)
			out = append(out, fmt.Sprintf("%s | %s | messages=%d unread=%d drafts=%d files=%v tags=%v",
				f.Name, th.Subject, th.MessageCount, th.UnreadCount, drafts, th.HasAttachments, tags))
		}
	}
	sort.Strings(out)
	return out
}

func expected(icn string) []string {
	var out []string
	for _, e := range demo.Expected(icn) {
		tags := slices.Clone(e.Tags)
		sort.Strings(tags)
		out = append(out, fmt.Sprintf("%s | %s | messages=%d unread=%d drafts=%d files=%v tags=%v",
			e.Folder, e.Subject, e.Messages, e.Unread, e.Drafts, e.Attachments, tags))
	}
	sort.Strings(out)
	return out
}

func diff(want, got []string) string {
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "\n  missing: %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "\n  unexpected: %s", g)
		}
	}
	return b.String()
}

// The demo mailboxes live in the simulators; VAMS brings them in through
// its first import (importStatus in progress, then complete), and adds what
// exists in VAMS alone (tags, Travel Claims, drafts) afterwards. Every
// veteran then sees exactly the script.
func TestDemoHistoryArrivesThroughTheImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{DemoHistory: true, NoImportWait: true})
		if n := len(describe(t, s, demo.Veteran1ICN)); n != 0 {
			t.Fatalf("before the import veteran 1 already has %d threads: VAMS must not seed provider history", n)
		}
		// Slow answers keep the import in progress long enough to watch.
		s.MHV().SetOutage(mhvsim.Outage{LatencyMs: 3})
		if err := s.App.Engine.ScheduleReconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
		var seen []string
		partial := false
		vamstest.Eventually(t, 90*time.Second, "the import and the VAMS-only data", func() bool {
			var out struct {
				Viewer struct {
					ImportStatus struct{ State string }
					Threads      struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
			s.MustDo(demo.Veteran1ICN, `{ viewer { importStatus { state } threads(first: 100) { edges { node { id } } } } }`, nil, &out)
			st := out.Viewer.ImportStatus.State
			if len(seen) == 0 || seen[len(seen)-1] != st {
				seen = append(seen, st)
			}
			if st == "IN_PROGRESS" && len(out.Viewer.Threads.Edges) > 0 {
				partial = true
			}
			done, err := demo.Applied(context.Background(), s.App.Store, s.DataDir())
			if err != nil {
				t.Fatal(err)
			}
			return done && st == "COMPLETE"
		})
		if !partial || seen[len(seen)-1] != "COMPLETE" {
			t.Errorf("veteran 1's import states %v; want IN_PROGRESS with threads arriving, then COMPLETE", seen)
		}
		s.MHV().SetOutage(mhvsim.Outage{})
		for _, v := range demo.Directory.Veterans {
			if d := diff(expected(v.ICN), describe(t, s, v.ICN)); d != "" {
				t.Errorf("veteran %s sees, against the script:%s", v.ICN, d)
			}
			if unnamed := unnamedClinicianMessages(t, s, v.ICN); len(unnamed) > 0 {
				t.Errorf("veteran %s: care-team messages without their writer's name: %v", v.ICN, unnamed)
			}
		}
	})
}

// unnamedClinicianMessages lists the threads holding a care team's message
// that shows no writer (or only the team's name): every demo clinician is
// named, whichever EHR holds the message.
func unnamedClinicianMessages(t *testing.T, s *vamstest.System, icn string) []string {
	t.Helper()
	var out struct {
		Viewer struct {
			Threads struct {
				Edges []struct {
					Node struct {
						Subject  string
						CareTeam struct{ Name string }
						Messages struct {
							Edges []struct {
								Node struct {
									Author struct{ Kind, DisplayName string }
								}
							}
						}
					}
				}
			}
		}
	}
	s.MustDo(icn, `{ viewer { threads(first: 40) { edges { node { subject careTeam { name }
		messages(first: 10) { edges { node { author { kind displayName } } } } } } } } }`, nil, &out)
	var bad []string
	for _, e := range out.Viewer.Threads.Edges {
		for _, m := range e.Node.Messages.Edges {
			a := m.Node.Author
			if a.Kind == "CLINICIAN" && (a.DisplayName == "" || a.DisplayName == e.Node.CareTeam.Name) {
				bad = append(bad, e.Node.Subject)
			}
		}
	}
	return bad
}
