package gqlext

import (
	"math"
	"testing"
)

func TestSaturating(t *testing.T) {
	for _, tc := range []struct{ a, b, sum, product int }{
		{2, 3, 5, 6},
		{0, math.MaxInt32, math.MaxInt32, 0},
		{math.MaxInt32, 1, math.MaxInt32, math.MaxInt32},
		{1 << 20, 1 << 20, 1 << 21, math.MaxInt32},
	} {
		if got := SaturatingAdd(tc.a, tc.b); got != tc.sum {
			t.Errorf("SaturatingAdd(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.sum)
		}
		if got := SaturatingMul(tc.a, tc.b); got != tc.product {
			t.Errorf("SaturatingMul(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.product)
		}
	}
}
