package bench

// The real-time benchmark's load generators: processes of their own, each
// holding its share of the WebSocket subscribers and reporting receipts.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/va/vams/internal/auth"
)

// GenConfig is one load generator's share: subscribers First..First+Count-1
// of the server at URL, subscriber i acting as generated veteran i/Devices,
// with tokens of the development issuer whose key is in DataDir.
type GenConfig struct {
	URL, DataDir          string
	First, Count, Devices int
}

// generators are the load-generator processes of one run.
type generators struct {
	procs     []*genProc
	connected int
	failed    int
	firstErr  string
}

type genProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startGenerators starts generators for subscribers c.First..c.First+n-1,
// o.PerGenerator each, and waits until each has connected its share.
func startGenerators(ctx context.Context, o RealtimeOptions, c GenConfig, n int) (*generators, error) {
	g := &generators{firstErr: "none"}
	for first := c.First; first < c.First+n; first += o.PerGenerator {
		gc := c
		gc.First, gc.Count = first, min(o.PerGenerator, c.First+n-first)
		cmd := o.SpawnGenerator(gc)
		cmd.Stderr = o.Log
		in, err := cmd.StdinPipe()
		if err != nil {
			g.stop()
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			g.stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			g.stop()
			return nil, err
		}
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		g.procs = append(g.procs, &genProc{cmd: cmd, in: in, out: sc})
	}
	for _, p := range g.procs {
		line, err := p.line("connected")
		if err != nil {
			g.stop()
			return nil, err
		}
		var ok, failed int
		var first string
		if _, err := fmt.Sscanf(line, "%d %d %s", &ok, &failed, &first); err != nil {
			g.stop()
			return nil, fmt.Errorf("generator: %q: %w", line, err)
		}
		g.connected += ok
		g.failed += failed
		if failed > 0 && g.firstErr == "none" {
			g.firstErr = first
		}
	}
	return g, ctx.Err()
}

// line reads the generator's next line, which must start with word, and
// returns the rest.
func (p *genProc) line(word string) (string, error) {
	if !p.out.Scan() {
		return "", fmt.Errorf("generator ended before %q: %v", word, p.out.Err())
	}
	rest, ok := strings.CutPrefix(p.out.Text(), word+" ")
	if !ok {
		return "", fmt.Errorf("generator: want %q, got %q", word, p.out.Text())
	}
	return rest, nil
}

// count asks every generator how many events its clients have received.
func (g *generators) count() (int, error) {
	total := 0
	for _, p := range g.procs {
		if _, err := io.WriteString(p.in, "count\n"); err != nil {
			return 0, err
		}
		line, err := p.line("count")
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(line)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// report collects every generator's receipts.
func (g *generators) report() ([]receipt, error) {
	var out []receipt
	for _, p := range g.procs {
		if _, err := io.WriteString(p.in, "report\n"); err != nil {
			return nil, err
		}
		for {
			if !p.out.Scan() {
				return nil, fmt.Errorf("generator ended in its report: %v", p.out.Err())
			}
			line := p.out.Text()
			if line == "done" {
				break
			}
			var r receipt
			if _, err := fmt.Sscanf(line, "recv %s %d", &r.id, &r.at); err != nil {
				return nil, fmt.Errorf("generator: %q: %w", line, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// stop ends the generators (closing stdin ends one; its sockets close with
// it).
func (g *generators) stop() {
	for _, p := range g.procs {
		_ = p.in.Close()
	}
	for _, p := range g.procs {
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	}
	g.procs = nil
}

// Subscribers is one load generator (run in its own process): it connects
// c.Count graphql-transport-ws clients, each subscribed to messageReceived,
// prints "connected <ok> <failed> <first error>", then answers commands on
// in until it ends: "count" prints "count <events received>", "report"
// prints a "recv <message id> <unix ns>" line per event and "done", then
// returns. Every client answers the server's pings.
func Subscribers(ctx context.Context, c GenConfig, in io.Reader, out io.Writer) error {
	if _, err := raiseFileLimit(); err != nil {
		return err
	}
	iss, err := auth.LoadOrCreateDevIssuer(c.DataDir, c.URL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(c.URL, "http") + "/graphql"
	var (
		mu       sync.Mutex
		got      []receipt
		failed   atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	record := func(r receipt) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}
	tokens := map[int]string{}
	sem := make(chan struct{}, 32)
	for i := c.First; i < c.First+c.Count; i++ {
		vet := i / c.Devices
		tok, ok := tokens[vet]
		if !ok {
			if tok, err = iss.Issue(ICN(vet), 6*time.Hour); err != nil {
				return err
			}
			tokens[vet] = tok
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := subscribe(ctx, wsURL, tok)
			<-sem
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, strings.ReplaceAll(err.Error(), " ", "_"))
				return
			}
			go listen(ctx, conn, record)
		}()
	}
	wg.Wait()
	fe, _ := firstErr.Load().(string)
	if fe == "" {
		fe = "none"
	}
	fmt.Fprintf(out, "connected %d %d %s\n", int64(c.Count)-failed.Load(), failed.Load(), fe)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch sc.Text() {
		case "count":
			mu.Lock()
			n := len(got)
			mu.Unlock()
			fmt.Fprintf(out, "count %d\n", n)
		case "report":
			w := bufio.NewWriter(out)
			mu.Lock()
			for _, r := range got {
				fmt.Fprintf(w, "recv %s %d\n", r.id, r.at)
			}
			mu.Unlock()
			fmt.Fprintln(w, "done")
			return w.Flush()
		}
	}
	return sc.Err()
}

// wsMessage is a graphql-transport-ws message as the generator reads it.
type wsMessage struct {
	Type    string `json:"type"`
	Payload struct {
		Data struct {
			MessageReceived struct {
				Message struct {
					ID string `json:"id"`
				} `json:"message"`
			} `json:"messageReceived"`
		} `json:"data"`
	} `json:"payload"`
}

// subscribe connects one client: connection_init with the token, the
// server's ack, then the subscription.
func subscribe(ctx context.Context, url, token string) (*websocket.Conn, error) {
	dial, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, _, err := websocket.Dial(dial, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*websocket.Conn, error) {
		conn.CloseNow()
		return nil, err
	}
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}})
	if err := conn.Write(dial, websocket.MessageText, init); err != nil {
		return fail(err)
	}
	_, b, err := conn.Read(dial)
	if err != nil {
		return fail(err)
	}
	var ack wsMessage
	if err := json.Unmarshal(b, &ack); err != nil || ack.Type != "connection_ack" {
		return fail(fmt.Errorf("want connection_ack, got %.200s", b))
	}
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]string{"query": realtimeSubscription}})
	if err := conn.Write(dial, websocket.MessageText, sub); err != nil {
		return fail(err)
	}
	return conn, nil
}

// listen reads the client's messages until the connection ends, answering
// pings and recording each event's arrival (stamped before it is parsed).
func listen(ctx context.Context, conn *websocket.Conn, record func(receipt)) {
	defer conn.CloseNow()
	pong := []byte(`{"type":"pong"}`)
	for {
		_, b, err := conn.Read(ctx)
		at := time.Now().UnixNano()
		if err != nil {
			return
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			continue
		}
		switch m.Type {
		case "ping":
			if err := conn.Write(ctx, websocket.MessageText, pong); err != nil {
				return
			}
		case "next":
			if id := m.Payload.Data.MessageReceived.Message.ID; id != "" {
				record(receipt{id: id, at: at})
			}
		}
	}
}
