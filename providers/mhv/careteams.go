package mhv

import (
	"context"
	"net/http"

	"github.com/va/vams/providers"
)

// CareTeams lists the veteran's triage teams from alltriageteams, which
// carries station, facility, health-care system, blocked and preferred flags.
func (c *Client) CareTeams(ctx context.Context, v providers.Veteran) ([]providers.CareTeam, error) {
	teams, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: "alltriageteams"},
		func(b []byte) ([]wireTriageTeam, error) {
			_, teams, err := decodeAllTriageTeams(b)
			return teams, err
		})
	if err != nil {
		return nil, err
	}
	return careTeamsFromWire(teams), nil
}

func careTeamsFromWire(teams []wireTriageTeam) []providers.CareTeam {
	var out []providers.CareTeam
	idx := map[flexID]int{}
	for _, t := range teams {
		// MHV may list a team twice (once blocked); a block on either wins.
		if i, ok := idx[t.TriageTeamID]; ok {
			out[i].Blocked = out[i].Blocked || t.BlockedStatus
			out[i].Preferred = out[i].Preferred || t.PreferredTeam
			continue
		}
		ct := providers.CareTeam{
			ExternalID:        t.TriageTeamID.String(),
			Name:              t.Name,
			DisplayName:       strOrEmpty(t.SuggestedNameDisplay),
			StationNumber:     strOrEmpty(t.StationNumber),
			FacilityName:      strOrEmpty(t.LocationName),
			HealthCareSystem:  strOrEmpty(t.HealthCareSystemName),
			RequiresSignature: signatureRequired(t.Name),
			Active:            t.Active == nil || *t.Active,
			Blocked:           t.BlockedStatus,
			Preferred:         t.PreferredTeam,
		}
		if ct.DisplayName == "" {
			ct.DisplayName = t.Name
		}
		idx[t.TriageTeamID] = len(out)
		out = append(out, ct)
	}
	return out
}

// teamLookup resolves a triage group name to its id, fetching the team list
// at most once per operation: the thread view names the team but gives its
// id only as the recipient of the veteran's own messages.
type teamLookup struct {
	c      *Client
	v      providers.Veteran
	loaded bool
	byName map[string]string
}

func (t *teamLookup) id(ctx context.Context, name string) string {
	if name == "" || t == nil || t.c == nil {
		return ""
	}
	if !t.loaded {
		t.loaded = true
		t.byName = map[string]string{}
		if teams, err := t.c.CareTeams(ctx, t.v); err == nil {
			for _, ct := range teams {
				t.byName[ct.Name] = ct.ExternalID
			}
		}
	}
	return t.byName[name]
}
