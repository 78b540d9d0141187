package main

import (
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/ratelimit"
)

// otpLimits returns the sign-in code limits per email and per client address.
// Production follows iGOT's pace (a few codes per email per 10 minutes); development
// is looser so that trying the flow by hand never trips them, yet an email still
// cannot be flooded.
func otpLimits(cfg Config) (perEmail, perAddress auth.Limiter) {
	if cfg.Production() {
		return ratelimit.New(5, 10*time.Minute, 5), ratelimit.New(30, 10*time.Minute, 30)
	}
	return ratelimit.New(30, 10*time.Minute, 30), ratelimit.New(1000, time.Minute, 1000)
}

// requestLimits returns the limit on GraphQL requests per caller: per token subject
// when signed in, per client address otherwise. Development never throttles one
// client below 1,000 requests a second.
func requestLimits(cfg Config) *ratelimit.Limiter {
	if cfg.Production() {
		return ratelimit.New(50, time.Second, 100)
	}
	return ratelimit.New(2000, time.Second, 4000)
}

// costLimits returns the query budgets that operations spend their complexity
// from: per token subject when signed in, per client address (smaller) otherwise.
// A budget holds at least one query at the complexity limit (2,500,000), so any
// admitted query can run once; in production an anonymous address can run one such
// query every ten seconds, and a signed-in caller two a second, while ordinary
// queries (hundreds to tens of thousands) are never throttled by it.
func costLimits(cfg Config) (signedIn, anonymous *ratelimit.Limiter) {
	if cfg.Production() {
		return ratelimit.New(5_000_000, time.Second, 10_000_000), ratelimit.New(250_000, time.Second, 2_500_000)
	}
	return ratelimit.New(1_000_000_000, time.Second, 1_000_000_000), ratelimit.New(1_000_000_000, time.Second, 1_000_000_000)
}
