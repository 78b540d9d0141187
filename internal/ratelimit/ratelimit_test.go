package ratelimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/ratelimit"
)

func TestBurstThenRefuse(t *testing.T) {
	l := ratelimit.New(1, time.Hour, 3)
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	if l.Allow("a") {
		t.Fatal("fourth request admitted past a burst of 3")
	}
	if !l.Allow("b") {
		t.Fatal("another key shares the first key's bucket")
	}
}

func TestManyKeysStayBounded(t *testing.T) {
	l := ratelimit.New(1, time.Hour, 1)
	for i := range ratelimit.Keys + 10 {
		if !l.Allow(fmt.Sprint(i)) {
			t.Fatalf("fresh key %d refused", i)
		}
	}
	// Key 0 was forgotten, so it starts again with a full bucket; the newest is remembered.
	if !l.Allow("0") {
		t.Error("the oldest key was not forgotten")
	}
	if l.Allow(fmt.Sprint(ratelimit.Keys + 9)) {
		t.Error("the newest key was forgotten")
	}
}

// TestSpendCost: AllowN spends a request's cost from the key's budget.
func TestSpendCost(t *testing.T) {
	l := ratelimit.New(1, time.Hour, 100)
	if !l.AllowN("a", 60) || l.AllowN("a", 60) {
		t.Fatal("two costs of 60 from a budget of 100 were both admitted, or neither")
	}
	if !l.AllowN("a", 40) || l.Allow("a") {
		t.Fatal("the rest of the budget was not spendable exactly")
	}
	if l.AllowN("b", 101) {
		t.Fatal("a cost over the whole budget was admitted")
	}
}
