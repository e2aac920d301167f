package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// SimOpener makes a simulator on its state file, adding the demo
// mailboxes the first time when history is set.
type SimOpener func(log *slog.Logger, stateFile string, history bool) (sim http.Handler, closeSim func() error, err error)

// RunSimulator is the main of cmd/mhvsim and cmd/ohsim. It adds the flags
// both take (-addr, defaulting to addr; -state, defaulting to stateFile in
// ./data; -history) to the command's own and parses them; open makes the
// simulator, which is served until SIGINT or SIGTERM and then closed
// (saving its state file). A failure is printed and ends the process.
func RunSimulator(name, addr, stateFile string, open SimOpener) {
	listen := flag.String("addr", addr, "listen address")
	state := flag.String("state", filepath.Join("data", stateFile), "state file (created if missing)")
	history := flag.Bool("history", true, "add the demo mailboxes the first time the state file is used")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	sim, closeSim, err := open(log, *state, *history)
	if err == nil {
		err = serveSimulator(name, *listen, sim, closeSim, log)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%ssim: %v\n", strings.ToLower(name), err)
		os.Exit(1)
	}
}

// serveSimulator serves h on addr until SIGINT or SIGTERM, then stops
// answering and calls closeSim.
func serveSimulator(name, addr string, h http.Handler, closeSim func() error, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Join(err, closeSim())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Info(name+" simulator listening", "url", "http://"+ln.Addr().String()+"/")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info(name + " simulator stopped; state saved")
	return errors.Join(err, closeSim())
}
