// Package simstate keeps a provider simulator's state in a JSON file, so
// that a simulator restarted on the same file holds the same messages and
// never hands out an id twice. (The demo keeps its own small marker file the
// same way.)
//
// Writes are atomic (a temporary file in the same directory, synced, then
// renamed over the old one) and debounced: a mutation marks the state dirty
// and a background writer saves it Delay later, coalescing a burst of
// mutations into one write. Close saves whatever is still dirty. A crash
// (not a Close) therefore loses at most the mutations of the last Delay.
package simstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultDelay is how long the writer waits after a mutation before saving.
const DefaultDelay = 100 * time.Millisecond

// Load reads path into v. A missing file is not an error: found is false and
// v is untouched.
func Load(path string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("simstate: %s: %w", path, err)
	}
	return true, nil
}

// WriteFile replaces path with data atomically: readers see the old file or
// the new one, never a torn write.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// envelope is a state file: the layout version, then the simulator's state.
type envelope struct {
	Version int             `json:"version"`
	State   json.RawMessage `json:"state"`
}

// Open starts persisting a simulator's state in path, in layout version:
// it loads the file, when there is one, into saved and calls restore, then
// returns a writer of what snapshot returns (see NewWriter). A file of
// another version is an error, and so is an empty path.
func Open(path string, version int, saved any, restore func(), snapshot func() any, delay time.Duration, log *slog.Logger) (*Writer, error) {
	if path == "" {
		return nil, errors.New("simstate: no state file given")
	}
	var env envelope
	found, err := Load(path, &env)
	switch {
	case err == nil && found && env.Version != version:
		err = fmt.Errorf("simstate: %s: layout version %d, want %d", path, env.Version, version)
	case err == nil && found:
		if err = json.Unmarshal(env.State, saved); err == nil {
			restore()
		}
	}
	if err != nil {
		return nil, err
	}
	marshal := func() ([]byte, error) {
		state, err := json.Marshal(snapshot())
		if err != nil {
			return nil, err
		}
		return json.MarshalIndent(envelope{Version: version, State: state}, "", " ")
	}
	return NewWriter(path, delay, marshal, log), nil
}

// CheckThread validates a seeded history thread: a subject and n messages,
// each (as msg(i) returns it) with a body and a time.
func CheckThread(subject string, n int, msg func(i int) (body string, at time.Time)) error {
	if strings.TrimSpace(subject) == "" || n == 0 {
		return errors.New("subject and messages required")
	}
	for i := range n {
		if body, at := msg(i); strings.TrimSpace(body) == "" || at.IsZero() {
			return fmt.Errorf("message %d: body and time required", i)
		}
	}
	return nil
}

// Seeds records which named seeding batches a state holds, so each is added
// once per state file.
type Seeds map[string]bool

// Once runs add unless name is recorded, and records name once add
// succeeded. It reports whether add ran.
func (b Seeds) Once(name string, add func() error) (bool, error) {
	if b[name] {
		return false, nil
	}
	if err := add(); err != nil {
		return false, err
	}
	b[name] = true
	return true, nil
}

// Add records names (restoring a state file).
func (b Seeds) Add(names ...string) {
	for _, name := range names {
		b[name] = true
	}
}

// Names lists the recorded batches, for the state file.
func (b Seeds) Names() []string {
	out := make([]string, 0, len(b))
	for name := range b {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Writer saves a snapshot of the state after changes. A nil *Writer (a
// simulator without a state file) does nothing.
type Writer struct {
	path     string
	delay    time.Duration
	snapshot func() ([]byte, error)
	log      *slog.Logger

	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	// dirty is atomic so Changed never waits for a save in progress (which
	// holds the simulator's lock while taking its snapshot).
	dirty atomic.Bool
	mu    sync.Mutex // serialises saves
	once  sync.Once
}

// NewWriter starts a writer of path. snapshot returns the state to save; it
// takes the simulator's own lock, so Changed may be called under that lock
// but Flush and Close must not. delay <= 0 means DefaultDelay; log may be nil.
func NewWriter(path string, delay time.Duration, snapshot func() ([]byte, error), log *slog.Logger) *Writer {
	if delay <= 0 {
		delay = DefaultDelay
	}
	if log == nil {
		log = slog.Default()
	}
	w := &Writer{path: path, delay: delay, snapshot: snapshot, log: log,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// Changed records a mutation; the state is saved within the delay.
func (w *Writer) Changed() {
	if w == nil {
		return
	}
	w.dirty.Store(true)
	select {
	case w.kick <- struct{}{}:
	default: // a save is already due
	}
}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-w.stop:
			return
		case <-w.kick:
		}
		t.Reset(w.delay)
		select {
		case <-w.stop:
			t.Stop()
			return // Close saves
		case <-t.C:
		}
		if err := w.Flush(); err != nil {
			w.log.Error("simulator state not saved", "file", w.path, "error", err.Error())
		}
	}
}

// Flush saves the state now if it changed since the last save.
func (w *Writer) Flush() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// Cleared before the snapshot: a mutation racing with it marks the state
	// dirty again and is saved next time.
	if !w.dirty.Swap(false) {
		return nil
	}
	data, err := w.snapshot()
	if err == nil {
		err = WriteFile(w.path, data)
	}
	if err != nil {
		w.dirty.Store(true)
	}
	return err
}

// Close stops the writer and saves what is still unsaved (logging a
// failure too). It is safe to call more than once.
func (w *Writer) Close() error {
	if w == nil {
		return nil
	}
	var err error
	w.once.Do(func() {
		close(w.stop)
		<-w.done
		if err = w.Flush(); err != nil {
			w.log.Error("simulator state not saved", "file", w.path, "error", err.Error())
		}
	})
	return err
}
