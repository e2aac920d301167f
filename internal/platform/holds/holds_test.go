package holds

import (
	"slices"
	"testing"
)

// A key is listed while held, refuses holds past the limit, and a release
// counts once however often it is called.
func TestHoldsCountPerKeyAndReleaseOnce(t *testing.T) {
	var c Counter
	r1, ok1 := c.Acquire("vet1", 2)
	r2, ok2 := c.Acquire("vet1", 2)
	_, ok3 := c.Acquire("vet1", 2)
	rb, okb := c.Acquire("vet2", 2)
	if !ok1 || !ok2 || ok3 || !okb {
		t.Fatalf("acquired %v %v %v %v, want the third hold on vet1 refused only", ok1, ok2, ok3, okb)
	}
	steps := []struct {
		name    string
		release func()
		keys    []string
	}{
		{"one of vet1's two released", r1, []string{"vet1", "vet2"}},
		{"the same release again changes nothing", r1, []string{"vet1", "vet2"}},
		{"vet1's last released", r2, []string{"vet2"}},
		{"vet2 released", rb, []string{}},
	}
	for _, s := range steps {
		s.release()
		if got := c.Keys(); !slices.Equal(got, s.keys) {
			t.Errorf("%s: keys %v, want %v", s.name, got, s.keys)
		}
	}
	if _, ok := c.Acquire("vet1", 1); !ok {
		t.Error("vet1 refused after all its holds were released")
	}
}
