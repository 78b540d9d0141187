// Package graph is the GraphQL layer: the schema (schema/*.graphqls), thin resolvers
// over the services of package models, per-request dataloaders, global IDs and the
// one error presenter.
package graph

import (
	"context"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Resolver is the root resolver; it holds the services the resolvers call.
type Resolver struct {
	orgs      models.OrganisationService
	catalogue models.CatalogueService
	learners  models.LearnerService
	access    models.AccessStore
	signIn    SignIn
}

// SignIn is OTP sign-in and self-registration (internal/auth).
type SignIn interface {
	// RequestOTP sends a code; EINVALID for a disallowed email, ERATELIMITED.
	RequestOTP(ctx context.Context, email, clientAddr string) (time.Time, error)
	// VerifyOTP returns a token and, for a registered email, its learner.
	VerifyOTP(ctx context.Context, email, code string) (string, time.Time, *models.Learner, error)
}
