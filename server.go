// Command vams serves the VA Messaging System: the veteran's unified secure
// messaging inbox over GraphQL, with MHV and Oracle Health behind provider
// adapters.
//
//	vams            serve (VAMS_MODE=demo by default: SQLite, simulators, demo data)
//	vams token --icn 1000000001V000001
//	                print a bearer token from the development issuer
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/platform/tracing"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(log)
	case "token":
		err = token(args)
	default:
		err = fmt.Errorf("unknown command %q (want serve or token)", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vams:", err)
		os.Exit(1)
	}
}

// token prints a development bearer token; the server started with the same
// VAMS_DATA_DIR and VAMS_PUBLIC_URL accepts it.
func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	icn := fs.String("icn", "", "the veteran's ICN, e.g. 1000000001V000001")
	ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
	operator := fs.Bool("operator", false, "grant the operator role")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *icn == "" {
		return errors.New("token: --icn is required")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.Mode != config.Demo {
		return errors.New("token: the development issuer exists only in demo mode")
	}
	iss, err := auth.LoadOrCreateDevIssuer(cfg.DataDir, cfg.PublicURL)
	if err != nil {
		return err
	}
	var roles []string
	if *operator {
		roles = append(roles, "operator")
	}
	tok, err := iss.Issue(*icn, *ttl, roles...)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

func serve(log *slog.Logger) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stopTracing, err := tracing.Setup(ctx)
	if err != nil {
		return err
	}
	defer stopTracing(context.Background())
	a, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		return err
	}
	for _, d := range cfg.Deprecated {
		log.Warn("deprecated configuration", "variable", d)
	}
	servers := []*http.Server{newServer(cfg.Addr, a.Handler)}
	if cfg.OperatorAddr != "" {
		servers = append(servers, newServer(cfg.OperatorAddr, a.Operator))
	} else if cfg.Mode != config.Demo {
		log.Warn("no operator listener (VAMS_OPERATOR_ADDR): metrics, /ops/ and the audit trail are not served")
	}
	errc := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { errc <- srv.ListenAndServe() }()
	}
	// Workers start once the server answers: in demo mode the adapters call
	// the simulators on this very server.
	if err := a.Start(ctx); err != nil {
		return err
	}
	log.Info("vams listening", "addr", cfg.Addr, "operator_addr", cfg.OperatorAddr, "mode", string(cfg.Mode), "database", a.Store.Dialect)
	if cfg.Mode == config.Demo {
		printDemo(cfg, a.Issuer)
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Listeners first, so no request arrives at a closing store.
	for _, srv := range servers {
		err = errors.Join(err, srv.Shutdown(shutdown))
	}
	return errors.Join(err, a.Close(shutdown))
}

func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}

func printDemo(cfg config.Config, iss *auth.DevIssuer) {
	fmt.Printf("\nVAMS demo is running.\n  GraphQL:    %s/graphql\n  Playground: %s/\n\nDemo veterans (send the token as the header  Authorization: Bearer <token>):\n", cfg.PublicURL, cfg.PublicURL)
	for _, v := range demo.Directory.Veterans {
		tok, err := iss.Issue(v.ICN, app.DemoTokenTTL)
		if err != nil {
			continue
		}
		fmt.Printf("\n  %s  %s\n  %s\n", v.ICN, v.DisplayName, tok)
	}
	fmt.Printf("\nMore tokens: go run . token --icn <ICN>\n\n")
}
