// Package models is the domain of the competency graph service: organisations,
// competencies, roles, courses and learners, their validation, the one error type
// with codes, and the service interfaces the rest of the code talks to.
//
// Types carry bun column tags but this package imports only the standard library.
package models
