package gqlext

import "math"

// SaturatingAdd and SaturatingMul count what a hostile document could overflow
// (fields, costs), stopping at math.MaxInt32 instead of wrapping round.
func SaturatingAdd(a, b int) int {
	if a > math.MaxInt32-b {
		return math.MaxInt32
	}
	return a + b
}

// SaturatingMul: see SaturatingAdd.
func SaturatingMul(a, b int) int {
	if a != 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return a * b
}
