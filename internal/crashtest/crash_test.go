// Package crashtest kills VAMS with SIGKILL while the simulators run in
// their own processes (cmd/mhvsim, cmd/ohsim), as a crash in production
// would leave things, and checks what survives.
package crashtest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// vams is a VAMS child process and how to reach it.
type vams struct {
	t     *testing.T
	url   string
	env   []string
	p     *proc
	token string
}

func startVAMS(t *testing.T, addr string, env []string) *vams {
	t.Helper()
	v := &vams{t: t, url: "http://" + addr, env: env}
	v.p = start(t, "vams", env, os.Args[0], "-test.run=^$")
	vamstest.Eventually(t, 60*time.Second, "VAMS to answer", func() bool {
		resp, err := http.Get(v.url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	var tok struct{ Token string }
	call(t, http.MethodGet, v.url+"/playground/demo-token?veteran=1", "", nil, &tok)
	v.token = tok.Token
	return v
}

func (v *vams) query(q string, vars map[string]any, out any) {
	v.t.Helper()
	var resp struct {
		Data   any
		Errors []struct{ Message string }
	}
	resp.Data = out
	call(v.t, http.MethodPost, v.url+"/graphql", v.token, map[string]any{"query": q, "variables": vars}, &resp)
	if len(resp.Errors) > 0 {
		v.t.Fatalf("graphql errors: %+v", resp.Errors)
	}
}

// teams waits for the first import to bring the veteran's care teams and
// returns their ids by name.
func (v *vams) teams() map[string]string {
	v.t.Helper()
	ids := map[string]string{}
	vamstest.Eventually(v.t, 60*time.Second, "the care teams", func() bool {
		var out struct {
			Viewer struct{ CareTeams []struct{ ID, Name string } }
		}
		v.query(`{ viewer { careTeams { id name } } }`, nil, &out)
		for _, ct := range out.Viewer.CareTeams {
			ids[ct.Name] = ct.ID
		}
		return ids[mhvTeam] != "" && ids[ohTeam] != ""
	})
	return ids
}

func (v *vams) send(team, subject, body string) (threadID string) {
	v.t.Helper()
	var out struct {
		SendMessage struct{ Thread struct{ ID string } }
	}
	v.query(`mutation($in: SendMessageInput!) { sendMessage(input: $in) { thread { id } } }`,
		map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER", "subject": subject, "body": body}}, &out)
	return out.SendMessage.Thread.ID
}

// thread is a thread's messages' delivery statuses.
func (v *vams) thread(id string) []string {
	v.t.Helper()
	var out struct {
		Node struct {
			Messages struct {
				Edges []struct {
					Node struct{ DeliveryStatus *string }
				}
			}
		}
	}
	v.query(`query($id: ID!) { node(id: $id) { ... on Thread { messages(first: 10) { edges { node { deliveryStatus } } } } } }`,
		map[string]any{"id": id}, &out)
	var st []string
	for _, e := range out.Node.Messages.Edges {
		s := "none"
		if e.Node.DeliveryStatus != nil {
			s = *e.Node.DeliveryStatus
		}
		st = append(st, s)
	}
	return st
}

// copies counts the veteran-sent messages with subject the simulator at
// simURL holds.
func copies(t *testing.T, simURL, subject string) int {
	t.Helper()
	var msgs []struct{ Subject, Direction string }
	call(t, http.MethodGet, simURL+"control/messages?icn="+demo.Veteran1ICN, "", nil, &msgs)
	n := 0
	for _, m := range msgs {
		if m.Subject == subject && m.Direction == "TO_CLINICIAN" {
			n++
		}
	}
	return n
}

// Veteran 1's teams (demo.Directory).
const (
	mhvTeam = "Primary Care Team Blue"
	ohTeam  = "Primary Care Team Red"
)

// VAMS is killed (SIGKILL) after each provider took a send and before VAMS
// heard so — the simulators hold their answers until the caller is gone —
// and the simulators ignore the idempotency header, as MHV and OH do. After
// the restart each message is DELIVERED, once at the provider and once in
// VAMS.
func TestKilledAfterProviderAcceptedDeliversExactlyOnce(t *testing.T) {
	mhvBin, ohBin := buildSimulators(t)
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		dir := t.TempDir()
		sims := map[string]string{}
		for name, bin := range map[string]string{mhvTeam: mhvBin, ohTeam: ohBin} {
			p := start(t, bin, nil, bin, "-addr", "127.0.0.1:0", "-state", filepath.Join(dir, filepath.Base(bin)+".json"), "-history=false")
			sims[name] = p.listeningURL(t)
			call(t, http.MethodPost, sims[name]+"control/faults", "", map[string]any{"ignoreIdempotencyKey": true, "holdAnswers": 1}, nil)
		}
		addr := freeAddr(t)
		env := []string{childEnv + "=1", "VAMS_MODE=demo", "VAMS_ADDR=" + addr, "VAMS_PUBLIC_URL=http://" + addr,
			"VAMS_DATA_DIR=" + dir, "DATABASE_URL=" + b.DatabaseURL(t), "VAMS_RECONCILE_INTERVAL=2s",
			"VAMS_MHV_BASE_URL=" + sims[mhvTeam], "VAMS_OH_BASE_URL=" + sims[ohTeam]}
		v := startVAMS(t, addr, env)
		teams := v.teams()
		threads := map[string]string{}
		for name := range sims {
			threads[name] = v.send(teams[name], "Killed mid-send to "+name, "Can I get my refill early? "+name)
		}
		for name, u := range sims {
			vamstest.Eventually(t, 30*time.Second, "the send to reach "+name, func() bool { return copies(t, u, "Killed mid-send to "+name) == 1 })
		}
		v.p.kill()

		v = startVAMS(t, addr, append(env, rescueEnv+"=4s"))
		for name, th := range threads {
			vamstest.Eventually(t, 120*time.Second, "delivery to "+name+" after the restart", func() bool {
				st := v.thread(th)
				return len(st) == 1 && st[0] == "DELIVERED"
			})
		}
		time.Sleep(time.Second) // a second delivery, if any, would be done by now
		for name, u := range sims {
			if n := copies(t, u, "Killed mid-send to "+name); n != 1 {
				t.Errorf("%s holds %d copies, want exactly 1", name, n)
			}
			if st := v.thread(threads[name]); len(st) != 1 {
				t.Errorf("VAMS thread to %s has messages %v, want one", name, st)
			}
		}
	})
}
