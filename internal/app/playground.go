package app

import (
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/edge"
)

// DemoTokenTTL is how long the playground's demo tokens last, as long as
// the ones the server prints at start.
const DemoTokenTTL = 12 * time.Hour

// demoToken issues the playground's token for the n-th demo veteran
// (1-based) from the development issuer.
func (a *App) demoToken(n int) (edge.DemoToken, error) {
	vs := demo.Directory.Veterans
	if n < 1 || n > len(vs) {
		return edge.DemoToken{}, edge.ErrNoDemoVeteran
	}
	v := vs[n-1]
	exp := time.Now().Add(DemoTokenTTL).UTC().Truncate(time.Second)
	tok, err := a.Issuer.Issue(v.ICN, DemoTokenTTL)
	if err != nil {
		return edge.DemoToken{}, err
	}
	return edge.DemoToken{Veteran: n, Veterans: len(vs), ICN: v.ICN, DisplayName: v.DisplayName, Token: tok, ExpiresAt: exp}, nil
}
