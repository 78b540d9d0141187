// Package blended persists face-to-face and blended learning: batches of a course
// with their seats and sessions, learning events with the sessions people register
// for, and attendance at both. Its writes take input the service has validated
// (service.Blended keeps the use cases); the bulk upserts of the import path
// (models.BlendedBulkWriter) validate their own records, as the rest of the bulk
// path does.
package blended

import (
	"github.com/jinzhu/inflection"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// "Attendance" is uncountable, like "evidence": the table is not "attendances".
func init() { inflection.AddUncountable("attendance") }

// Store persists batches, seats, sessions, events, registrations and attendance
// in a store.DB.
type Store struct{ db *store.DB }

// New returns the blended-learning store over db.
func New(db *store.DB) *Store { return &Store{db: db} }

var _ models.BlendedBulkWriter = (*Store)(nil)
