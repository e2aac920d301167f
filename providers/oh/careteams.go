package oh

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// CareTeams lists the authority's message pools. A pool found under
// several names (PoolsByName keys are the names veterans see) becomes one
// team: the first name is DisplayName, the rest AlternateNames, and the
// pool's own name is the internal Name. Blocking comes from
// pools/{ids}/recipient-access. The patientId query on both calls is a
// simulator extension (the 10.8 endpoints are not patient-scoped: OH has no
// patient-to-pool mapping), so against real OH every pool is listed and
// Blocked reflects only pool-wide denial.
func (c *Client) CareTeams(ctx context.Context, v providers.Veteran) ([]providers.CareTeam, error) {
	auth := "/" + url.PathEscape(c.authority(v))
	q := url.Values{}
	if v.OHPatientID != "" {
		q.Set("patientId", v.OHPatientID)
	}
	_, data, err := c.do(ctx, "pools", http.MethodGet, auth+"/pools", q, nil, nil)
	if err != nil {
		return nil, err
	}
	named, err := wire.DecodePoolsByName(data)
	if err != nil {
		return nil, malformed()
	}
	var (
		teams []providers.CareTeam
		idx   = map[int64]int{}
	)
	for _, np := range named {
		if i, ok := idx[np.Pool.ID]; ok {
			if np.Key != teams[i].DisplayName {
				teams[i].AlternateNames = append(teams[i].AlternateNames, np.Key)
			}
			continue
		}
		idx[np.Pool.ID] = len(teams)
		teams = append(teams, providers.CareTeam{
			ExternalID:       strconv.FormatInt(np.Pool.ID, 10),
			Name:             np.Pool.Name,
			DisplayName:      np.Key,
			StationNumber:    np.Pool.StationNumber,
			FacilityName:     np.Pool.FacilityName,
			HealthCareSystem: np.Pool.HealthCareSystem,
			Active:           true,
		})
	}
	if len(teams) == 0 {
		return teams, nil
	}
	ids := make([]string, len(teams))
	for i, t := range teams {
		ids[i] = t.ExternalID
	}
	_, data, err = c.do(ctx, "pools", http.MethodGet, auth+"/pools/"+strings.Join(ids, ",")+"/recipient-access", q, nil, nil)
	switch {
	case err == nil:
		var ra wire.RecipientAccessByPoolID
		if json.Unmarshal(data, &ra) != nil {
			return nil, malformed()
		}
		for i := range teams {
			if ra.ByPoolID[teams[i].ExternalID] == wire.AccessDenied {
				teams[i].Blocked = true
			}
		}
	case errors.Is(err, providers.ErrUnavailable):
		return nil, err
	}
	// Other failures leave blocking unknown rather than hide every team.
	return teams, nil
}
