package app

import (
	"cmp"
	"context"
	"path/filepath"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/providers/mhv"
	"github.com/va/vams/providers/notify"
	"github.com/va/vams/providers/notify/notifysim"
	"github.com/va/vams/providers/oh"
)

// demoSims are the simulators demo mode runs in-process, each on its state
// file in the data directory so that a restart changes nothing at the
// "providers". Without SkipSeed or NoDemoHistory their first start adds the
// demo mailboxes, which VAMS then brings in through its first import.
type demoSims struct {
	ownsMHV, ownsOH, ownsNotify bool
	stopData                    context.CancelFunc
	dataDone                    chan struct{}
}

// openDemoSims opens the in-process simulators. One whose base URL is
// configured (VAMS_MHV_BASE_URL, VAMS_OH_BASE_URL) runs in its own process
// (cmd/mhvsim, cmd/ohsim) and is not opened here.
func (a *App) openDemoSims(opts Options, secret []byte, now time.Time) error {
	history := !opts.SkipSeed && !opts.NoDemoHistory
	a.MHVSim = opts.MHVSim
	if a.MHVSim == nil && a.Config.MHVBaseURL == "" {
		seed := demo.MHVSeed(demoMHVAppToken, demoMHVAPIKey)
		seed.Log = a.log
		sim, err := demo.OpenMHV(filepath.Join(a.Config.DataDir, demo.MHVStateFile), seed, history, now)
		if err != nil {
			return err
		}
		a.MHVSim, a.demo.ownsMHV = sim, true
	}
	a.OHSim = opts.OHSim
	if a.OHSim == nil && a.Config.OHBaseURL == "" {
		cfg := demo.OHConfig(a.Config.PublicURL+edge.IntakeOHPath, secret)
		cfg.HTTPClient, cfg.Log = opts.HTTPClient, a.log
		if opts.AdjustOHSim != nil {
			opts.AdjustOHSim(&cfg)
		}
		sim, err := demo.OpenOH(filepath.Join(a.Config.DataDir, demo.OHStateFile), cfg, history, now)
		if err != nil {
			return err
		}
		a.OHSim, a.demo.ownsOH = sim, true
	}
	if a.Config.NotifyBaseURL == "" {
		cfg := demo.NotifyConfig()
		cfg.StateFile, cfg.Log = filepath.Join(a.Config.DataDir, demo.NotifyStateFile), a.log
		sim, err := notifysim.Open(cfg)
		if err != nil {
			return err
		}
		a.NotifySim, a.demo.ownsNotify = sim, true
	}
	return nil
}

// demoProviders points the adapters at the demo's simulators: mounted on
// this server, or where VAMS_MHV_BASE_URL and VAMS_OH_BASE_URL say, with
// the demo credentials unless others are configured.
func demoProviders(cfg config.Config, m mhv.Config, o oh.Config) (mhv.Config, oh.Config) {
	m.BaseURL = cmp.Or(cfg.MHVBaseURL, cfg.PublicURL+edge.SimMHVPath+"/")
	m.AppToken, m.APIKey = cmp.Or(cfg.MHVAppToken, demoMHVAppToken), cmp.Or(cfg.MHVAPIKey, demoMHVAPIKey)
	o.BaseURL = cmp.Or(cfg.OHBaseURL, cfg.PublicURL+edge.SimOHPath)
	o.Authority = demo.OHAuthority
	o.Credentials = oh.BearerToken(cmp.Or(cfg.OHToken, demoOHToken))
	return m, o
}

// demoNotify points the notification adapter at the demo's service: the
// simulator on this server, or VAMS_NOTIFY_BASE_URL, with the demo key and
// templates unless others are configured.
func demoNotify(cfg config.Config, n notify.Config) notify.Config {
	n.BaseURL = cmp.Or(cfg.NotifyBaseURL, cfg.PublicURL+edge.SimNotifyPath)
	n.APIKey = cmp.Or(cfg.NotifyAPIKey, demo.NotifyAPIKey)
	n.PushTemplateID = cmp.Or(n.PushTemplateID, demo.NotifyPushTemplate)
	n.EmailTemplateID = cmp.Or(n.EmailTemplateID, demo.NotifyEmailTemplate)
	n.DigestTemplateID = cmp.Or(n.DigestTemplateID, demo.NotifyDigestTemplate)
	return n
}

// startDemoData adds the VAMS-only demo data (tags, Travel Claims, drafts)
// in the background once each veteran's first import is in.
func (a *App) startDemoData() {
	ctx, cancel := context.WithCancel(context.Background())
	a.demo.stopData, a.demo.dataDone = cancel, make(chan struct{})
	go func() {
		defer close(a.demo.dataDone)
		_ = demo.ApplyAfterImport(ctx, a.Store, a.Config.DataDir, 200*time.Millisecond, a.log)
	}()
}

// closeDemo stops the background demo work and closes (saving their state)
// the simulators this App opened.
func (a *App) closeDemo() error {
	if a.demo.stopData != nil {
		a.demo.stopData()
		<-a.demo.dataDone
		a.demo.stopData = nil
	}
	if a.NotifySim != nil && a.demo.ownsNotify {
		a.demo.ownsNotify = false
		_ = a.NotifySim.Close() // its failure is logged by the state writer
	}
	if a.OHSim != nil && a.demo.ownsOH {
		a.OHSim.Close()
		a.demo.ownsOH = false
	}
	if a.MHVSim != nil && a.demo.ownsMHV {
		a.demo.ownsMHV = false
		return a.MHVSim.Close()
	}
	return nil
}
