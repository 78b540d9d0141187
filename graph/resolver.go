// Package graph is the GraphQL layer: the schema (schema/*.graphqls), thin resolvers
// over the services of package models, per-request dataloaders, global IDs and the
// one error presenter.
package graph

import "github.com/openkarmayogi/karmayogi/models"

// Resolver is the root resolver; it holds the services the resolvers call.
type Resolver struct {
	orgs      models.OrganisationService
	catalogue models.CatalogueService
	learners  models.LearnerService
}
