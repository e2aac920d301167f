package inbox_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/viewer"
)

// kind is folders or tags seen the same way: both are things a veteran
// names, unique by name regardless of case.
type kind struct {
	entity                string // as the change log names it
	idField, prefix       string
	taken, invalid        inbox.Code
	create                func(ctx context.Context, s *inbox.Service, name string) (string, error)
	rename                func(ctx context.Context, s *inbox.Service, id, name string) (string, error)
	remove                func(s *inbox.Service, ctx context.Context, id string) error
	invalidName, tooLong1 string
}

var kinds = []kind{
	{
		entity: "Folder", idField: "folderId", prefix: ids.Folder,
		taken: inbox.CodeFolderNameTaken, invalid: inbox.CodeFolderNameInvalid, invalidName: "Follow-up",
		create: func(ctx context.Context, s *inbox.Service, name string) (string, error) {
			f, err := s.CreateFolder(ctx, inbox.NewFolder{Name: name})
			return nameOf(f, err)
		},
		rename: func(ctx context.Context, s *inbox.Service, id, name string) (string, error) {
			f, err := s.RenameFolder(ctx, id, name)
			return nameOf(f, err)
		},
		remove: (*inbox.Service).DeleteFolder,
	},
	{
		entity: "Tag", idField: "tagId", prefix: ids.Tag,
		taken: inbox.CodeTagNameTaken, invalid: inbox.CodeTagNameInvalid, invalidName: "Follow_up",
		create: func(ctx context.Context, s *inbox.Service, name string) (string, error) {
			t, err := s.CreateTag(ctx, inbox.NewTag{Name: name})
			return tagName(t, err)
		},
		rename: func(ctx context.Context, s *inbox.Service, id, name string) (string, error) {
			t, err := s.RenameTag(ctx, id, name)
			return tagName(t, err)
		},
		remove: (*inbox.Service).DeleteTag,
	},
}

// nameOf returns "id name" so a test sees both.
func nameOf(f *ent.Folder, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return f.ID + " " + f.Name, nil
}

func tagName(t *ent.Tag, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return t.ID + " " + t.Name, nil
}

func split(idName string) (id, name string) {
	id, name, _ = strings.Cut(idName, " ")
	return id, name
}

func TestNamedThingsCreateRenameDelete(t *testing.T) {
	t.Parallel()
	for _, k := range kinds {
		t.Run(k.entity, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				s, ctx := w.Inbox, w.ctx
				logged := len(w.changes(t))
				travel, name := split(must[string](t)(k.create(ctx, s, "  Travel  ")))
				if name != "Travel" || ids.Prefix(travel) != k.prefix {
					t.Fatalf("created %s %q", travel, name)
				}
				claims, _ := split(must[string](t)(k.create(ctx, s, "Claims")))

				before := w.rows(t)
				refusals := []struct {
					name  string
					err   error
					code  inbox.Code
					field string
				}{
					{"create a name in use, other case", second(k.create(ctx, s, "TRAVEL")), k.taken, "name"},
					{"create a blank name", second(k.create(ctx, s, "   ")), k.invalid, "name"},
					{"create with a character not allowed", second(k.create(ctx, s, k.invalidName)), k.invalid, "name"},
					{"create a name too long", second(k.create(ctx, s, strings.Repeat("a", 51))), k.invalid, "name"},
					{"rename to another's name", second(k.rename(ctx, s, claims, "travel")), k.taken, "name"},
					{"rename to an invalid name", second(k.rename(ctx, s, claims, "")), k.invalid, "name"},
					{"rename an unknown one", second(k.rename(ctx, s, ids.New(k.prefix), "Other")), inbox.CodeNotFound, k.idField},
					{"rename with an ID of another kind", second(k.rename(ctx, s, ids.New(ids.Thread), "Other")), inbox.CodeNotFound, k.idField},
					{"delete an unknown one", k.remove(s, ctx, ids.New(k.prefix)), inbox.CodeNotFound, k.idField},
				}
				for _, r := range refusals {
					t.Run(r.name, func(t *testing.T) { wantCode(t, r.err, r.code, r.field) })
				}
				if after := w.rows(t); after != before {
					t.Errorf("refusals wrote rows: before %+v, after %+v", before, after)
				}

				// Renaming to its own name in another case is not a clash.
				if _, name := split(must[string](t)(k.rename(ctx, s, travel, "TRAVEL"))); name != "TRAVEL" {
					t.Errorf("renamed to %q", name)
				}
				if err := k.remove(s, ctx, claims); err != nil {
					t.Fatal(err)
				}
				wantCode(t, k.remove(s, ctx, claims), inbox.CodeNotFound, k.idField)
				// The name is free again once deleted.
				must[string](t)(k.create(ctx, s, "claims"))

				e := k.entity
				want := []string{e + " CREATED", e + " CREATED", e + " UPDATED", e + " DELETED", e + " CREATED"}
				if got := since(w.changes(t), logged); !slices.Equal(got, want) {
					t.Errorf("changes %v, want %v", got, want)
				}
			})
		})
	}
}

func second(_ string, err error) error { return err }

func TestNamedThingsAreEachVeteransOwn(t *testing.T) {
	t.Parallel()
	for _, k := range kinds {
		t.Run(k.entity, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				mine, _ := split(must[string](t)(k.create(w.ctx, w.Inbox, "Travel")))
				other := w.Veteran("1000000202V000202", "Blair Chen")
				theirs := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: other})
				// The same name is free for another veteran, and mine is not theirs to touch.
				must[string](t)(k.create(theirs, w.Inbox, "travel"))
				_, err := k.rename(theirs, w.Inbox, mine, "Mine now")
				wantCode(t, err, inbox.CodeNotFound, k.idField)
				wantCode(t, k.remove(w.Inbox, theirs, mine), inbox.CodeNotFound, k.idField)
			})
		})
	}
}

func TestSystemFoldersAndFoldersInUseStay(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		inboxID := w.systemFolder(t, folder.SystemINBOX)
		_, err := w.Inbox.RenameFolder(w.ctx, inboxID, "Mail")
		wantCode(t, err, inbox.CodeSystemFolder, "folderId")
		wantCode(t, w.Inbox.DeleteFolder(w.ctx, w.systemFolder(t, folder.SystemTRASH)), inbox.CodeSystemFolder, "folderId")

		travel := must[*ent.Folder](t)(w.Inbox.CreateFolder(w.ctx, inbox.NewFolder{Name: "Travel"}))
		th, _ := w.send(t, "Mileage", "Claim for my visit.")
		must[*ent.Thread](t)(w.Inbox.MoveThread(w.ctx, th.ID, travel.ID))
		wantCode(t, w.Inbox.DeleteFolder(w.ctx, travel.ID), inbox.CodeFolderNotEmpty, "folderId")
		if w.folderOf(t, th.ID) != "Travel" {
			t.Error("refused delete moved the thread")
		}
	})
}

func TestTagAndUntagThread(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		th, _ := w.send(t, "Refill", "Please refill.")
		tag := must[*ent.Tag](t)(w.Inbox.CreateTag(w.ctx, inbox.NewTag{Name: "Follow up"}))
		tags := func() []string {
			got := must[[]string](t)(w.Client().Thread.QueryTags(w.thread(t, th.ID)).IDs(w.System()))
			slices.Sort(got)
			return got
		}
		steps := []struct {
			name   string
			remove bool
			tags   []string
			logged int
		}{
			{"tag", false, []string{tag.ID}, 1},
			{"tag again changes nothing", false, []string{tag.ID}, 0},
			{"untag", true, nil, 1},
			{"untag again changes nothing", true, nil, 0},
		}
		for _, s := range steps {
			logged := len(w.changes(t))
			if _, err := w.Inbox.TagThread(w.ctx, th.ID, tag.ID, s.remove); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := tags(); !slices.Equal(got, s.tags) {
				t.Errorf("%s: tags %v, want %v", s.name, got, s.tags)
			}
			if got := since(w.changes(t), logged); len(got) != s.logged || s.logged == 1 && got[0] != "Thread UPDATED" {
				t.Errorf("%s: changes %v, want %d thread update", s.name, got, s.logged)
			}
		}

		_, err := w.Inbox.TagThread(w.ctx, th.ID, ids.New(ids.Tag), false)
		wantCode(t, err, inbox.CodeNotFound, "tagId")
		_, err = w.Inbox.TagThread(w.ctx, ids.New(ids.Thread), tag.ID, false)
		wantCode(t, err, inbox.CodeNotFound, "threadId")

		// Deleting a tag takes it off its threads and leaves them be.
		must[*ent.Thread](t)(w.Inbox.TagThread(w.ctx, th.ID, tag.ID, false))
		if err := w.Inbox.DeleteTag(w.ctx, tag.ID); err != nil {
			t.Fatal(err)
		}
		if got := tags(); len(got) != 0 {
			t.Errorf("deleted tag still on thread: %v", got)
		}
		if w.thread(t, th.ID).MessageCount != 1 {
			t.Error("deleting a tag changed its thread")
		}
	})
}
