package models_test

import (
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/models"
)

func TestRecordErrors(t *testing.T) {
	var r models.RecordErrors
	r.Add(3, "email", "already in use by %s", "another record")
	r.Reject(1, models.Invalid("observedAt", "must not be in the future"), map[string]string{"observedAt": "observed_at"})
	r.Reject(2, models.Invalid("level", "must be 0..5"), nil) // a field the map does not list is its own column
	want := models.RecordErrors{
		{Index: 3, Column: "email", Reason: "already in use by another record"},
		{Index: 1, Column: "observed_at", Reason: "must not be in the future"},
		{Index: 2, Column: "level", Reason: "must be 0..5"},
	}
	if !slices.Equal(r, want) {
		t.Errorf("%+v, want %+v", r, want)
	}
}

func TestRecordRefusals(t *testing.T) {
	r := models.RecordRefusals{}
	r.Add(5, "progress", "must not go below %.2f", 0.5)
	r.Add(2, "status", "must stay COMPLETED")
	r.Add(2, "completed_at", "must stay as it was") // refused again: the last reason counts
	r.Reject(9, models.Invalid("sessionId", "has not started"), map[string]string{"sessionId": "session_code"})
	r.Add(7, "seats", "too few")
	r.Clear([]int{7, 8}) // written again
	got := r.AppendTo([]models.RecordError{{Index: 0, Column: "code", Reason: "must not be empty"}})
	want := []models.RecordError{
		{Index: 0, Column: "code", Reason: "must not be empty"},
		{Index: 2, Column: "completed_at", Reason: "must stay as it was"},
		{Index: 5, Column: "progress", Reason: "must not go below 0.50"},
		{Index: 9, Column: "session_code", Reason: "has not started"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}
