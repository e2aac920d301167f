// Package defaults fills an options struct's unset numbers: zero or less
// means "not given" throughout VAMS's configuration.
package defaults

// Number is what a positive setting may be (time.Duration is an ~int64).
type Number interface {
	~int | ~int64 | ~float64
}

// Positive sets *v to d unless *v is already above zero.
func Positive[T Number](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}
