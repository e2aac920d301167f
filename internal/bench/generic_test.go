package bench

import (
	"reflect"
	"strings"
	"testing"
)

// The comparison counts only equal answers: the same page from VAMS and
// from PostGraphile reads as equal, and any field that differs is caught.
func TestGenericComparisonTellsEqualInboxPagesFromDifferentOnes(t *testing.T) {
	const vams = `{"data":{"viewer":{"unreadCount":3,"threads":{"edges":[{"cursor":"c1","node":{"id":"thr_1","subject":"Refill",
		"category":"MEDICATIONS","unreadCount":2,"messageCount":4,"hasAttachments":true,"updatedAt":"2026-01-02T03:04:05Z",
		"careTeam":{"id":"ct_1","name":"Pharmacy","facilityName":"Cheyenne VA"},"tags":[{"id":"tag_2","name":"b"},{"id":"tag_1","name":"a"}],
		"lastMessage":{"id":"msg_4","body":"Ready Tuesday.","sentAt":"2026-01-02T03:04:05Z","readAt":null,"author":{"kind":"CLINICIAN","displayName":"Dr. A"}}}}],
		"pageInfo":{"hasNextPage":true,"endCursor":"c1"}}}}}`
	const generic = `{"data":{"benchUnreadTotal":"3","allThreads":{"edges":[{"cursor":"x","node":{"id":"thr_1","subject":"Refill",
		"category":"MEDICATIONS","unreadCount":"2","messageCount":"4","hasAttachments":true,"updatedAt":"2026-01-02T03:04:05+00:00",
		"careTeamByCareTeamId":{"id":"ct_1","displayName":"Pharmacy","facilityByFacilityId":{"name":"Cheyenne VA"}},
		"threadTagsByThreadId":{"nodes":[{"tagByTagId":{"id":"tag_1","name":"a"}},{"tagByTagId":{"id":"tag_2","name":"b"}}]},
		"messageByLastMessageId":{"id":"msg_4","body":"Ready Tuesday.","sentAt":"2026-01-02T03:04:05+00:00","readAt":null,"authorKind":"CLINICIAN","authorName":"A"}}}],
		"pageInfo":{"hasNextPage":true,"endCursor":"x"}}}}`
	same := func(a, b string) (bool, error) {
		pa, err := vamsInboxPage([]byte(a))
		if err != nil {
			return false, err
		}
		pb, err := genericInboxPage([]byte(b))
		if err != nil {
			return false, err
		}
		return len(pa.Threads) == 1 && reflect.DeepEqual(pa, pb), nil
	}
	if ok, err := same(vams, generic); err != nil || !ok {
		t.Fatalf("the same page reads as different (%v)", err)
	}
	for _, c := range []struct{ name, from, to string }{
		{"unread total", `"benchUnreadTotal":"3"`, `"benchUnreadTotal":"4"`},
		{"thread", `"id":"thr_1"`, `"id":"thr_9"`},
		{"unread count", `"unreadCount":"2"`, `"unreadCount":"1"`},
		{"care team", `"displayName":"Pharmacy"`, `"displayName":"Cardiology"`},
		{"facility", `{"name":"Cheyenne VA"}`, `{"name":"Spokane VA"}`},
		{"tag", `"name":"b"}`, `"name":"c"}`},
		{"last message", `"body":"Ready Tuesday."`, `"body":"Ready Monday."`},
		{"next page", `"hasNextPage":true`, `"hasNextPage":false`},
	} {
		if !strings.Contains(generic, c.from) {
			t.Fatalf("%s: the fixture lacks %s", c.name, c.from)
		}
		if ok, err := same(vams, strings.Replace(generic, c.from, c.to, 1)); err != nil || ok {
			t.Errorf("a different %s reads as the same page (%v)", c.name, err)
		}
	}
}
