// Package providerkind names the clinical systems that hold messages behind
// VAMS's care teams. It is a leaf: ent (as a field's Go type), the providers
// and the sync engine all share this one type, and it imports nothing of the
// project. It never reaches the veteran-facing API.
package providerkind

import (
	"fmt"
	"io"
	"strconv"
)

// Kind is one provider: the system a care team's messages go to and come from.
type Kind string

const (
	// MHV is My HealtheVet, the secure-messaging system of VistA sites.
	MHV Kind = "MHV"
	// OH is Oracle Health (formerly Cerner).
	OH Kind = "OH"
)

// Values lists the stored spellings; ent uses it for the enum column.
func (Kind) Values() []string { return []string{string(MHV), string(OH)} }

// MarshalGQL and UnmarshalGQL exist because entgql asserts them for every
// enum with a Go type. No GraphQL type exposes a provider kind.
func (k Kind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL accepts only a known spelling.
func (k *Kind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || (Kind(s) != MHV && Kind(s) != OH) {
		return fmt.Errorf("providerkind: %v is not a provider", v)
	}
	*k = Kind(s)
	return nil
}
