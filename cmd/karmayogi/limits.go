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
