package edge

// What a WebSocket connection writes, and how it closes (websocket.go has
// the connection).

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func (c *wsConn) sendNext(id string, r *graphql.Response) {
	b, err := json.Marshal(r)
	if err != nil {
		c.h.cfg.Log.Error("encoding a websocket response failed", "error", err.Error())
		return
	}
	typ := "next"
	if c.legacy {
		typ = "data"
	}
	c.send(wsMessage{ID: id, Type: typ, Payload: b})
}

func (c *wsConn) sendErrors(id string, errs gqlerror.List) {
	b, _ := json.Marshal(errs)
	c.send(wsMessage{ID: id, Type: "error", Payload: b})
}

func (c *wsConn) complete(id string) { c.send(wsMessage{ID: id, Type: "complete"}) }

func (c *wsConn) send(m wsMessage) {
	b, _ := json.Marshal(m)
	c.writeFrame(ws.OpText, b)
}

// writeFrame writes one frame within WriteTimeout; a client that stopped
// reading fails the write, and the connection is dropped, freeing its slot.
func (c *wsConn) writeFrame(op ws.OpCode, p []byte) { c.writeCompiled(compile(op, p)) }

// writeCompiled writes a frame already encoded (the keep-alives are built
// once) within WriteTimeout.
func (c *wsConn) writeCompiled(frame []byte) {
	c.wmu.Lock()
	err := c.writeLocked(frame, c.h.cfg.Realtime.WriteTimeout)
	c.wmu.Unlock()
	if err != nil {
		c.drop()
	}
}

// compile encodes one unmasked, final frame (server to client).
func compile(op ws.OpCode, p []byte) []byte {
	var b bytes.Buffer
	hdr := ws.Header{Fin: true, OpCode: op, Length: int64(len(p))}
	b.Grow(ws.HeaderSize(hdr) + len(p))
	_ = ws.WriteHeader(&b, hdr)
	b.Write(p)
	return b.Bytes()
}

// writeLocked writes frame in one call; the caller holds wmu.
func (c *wsConn) writeLocked(frame []byte, timeout time.Duration) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.nc.Write(frame)
	return err
}

// closeWith ends the connection with code and reason. Legacy graphql-ws
// clients have no codes of their own: they get connection_error, then a
// normal close.
func (c *wsConn) closeWith(code int, reason string) {
	if c.legacy && code >= 4000 {
		c.shutdown(ws.StatusNormalClosure, reason)
		return
	}
	c.shutdown(ws.StatusCode(code), reason)
}

// shutdown sends a close frame with code, after a connection_error with
// errReason when that is not empty, and closes the connection.
func (c *wsConn) shutdown(code ws.StatusCode, errReason string) {
	if !c.markClosed() {
		return
	}
	if !c.wmu.TryLock() {
		// A write is under way, perhaps to a client that stopped reading:
		// end it now rather than wait out its timeout.
		_ = c.nc.SetWriteDeadline(time.Now())
		c.wmu.Lock()
	}
	reason := errReason
	if c.legacy && errReason != "" {
		b, _ := json.Marshal(wsMessage{Type: "connection_error", Payload: mustJSON(map[string]string{"message": errReason})})
		_ = c.writeLocked(compile(ws.OpText, b), closeWriteTimeout)
	}
	_ = c.writeLocked(compile(ws.OpClose, ws.NewCloseFrameBody(code, reason)), closeWriteTimeout)
	c.wmu.Unlock()
	go c.linger()
	c.cleanup()
}

// linger closes after the close frame the way a TCP peer expects: the
// write side first, then what the client still sends (the rest of a message
// too big, its own close frame) is read and dropped for a moment. Closing
// with unread input would reset the connection, and the client could lose
// the close frame and its code.
func (c *wsConn) linger() {
	if hc, ok := c.nc.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
		_ = c.nc.SetReadDeadline(time.Now().Add(closeWriteTimeout))
		_, _ = io.Copy(io.Discard, c.nc)
	}
	_ = c.nc.Close()
}

// drop ends the connection without a word: the client is gone or stuck.
func (c *wsConn) drop() {
	if !c.markClosed() {
		return
	}
	_ = c.nc.Close()
	c.cleanup()
}

func (c *wsConn) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	return true
}

// cleanup ends every operation and frees the timers and the slot.
func (c *wsConn) cleanup() {
	c.mu.Lock()
	subs := make([]*wsSub, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	c.queue = nil
	c.initTimer.Stop()
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	if c.stopExpiry != nil {
		c.stopExpiry()
	}
	release := c.release
	c.release = nil
	c.mu.Unlock()
	for _, s := range subs {
		c.end(s)
	}
	if release != nil {
		release()
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
