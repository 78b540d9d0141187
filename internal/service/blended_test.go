package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestStoreIsNoBlendedService: the use cases are the service's; the store only
// persists.
func TestStoreIsNoBlendedService(t *testing.T) {
	for name, v := range map[string]any{"*store.DB": (*store.DB)(nil), "*blended.Store": (*blended.Store)(nil)} {
		if _, ok := v.(models.BlendedService); ok {
			t.Errorf("%s implements models.BlendedService", name)
		}
	}
}

// blendedStore records the writes that reach it and answers each with a zero value.
type blendedStore struct {
	service.BlendedReader // nil: the tests read nothing
	calls                 []string
	batch                 *models.NewBatch
	session               *models.NewSession
	approver              string
}

func (s *blendedStore) called(name string) { s.calls = append(s.calls, name) }

func (s *blendedStore) InsertBatch(_ context.Context, n *models.NewBatch) (*models.Batch, error) {
	s.called("InsertBatch")
	s.batch = n
	return &models.Batch{}, nil
}

func (s *blendedStore) InsertSeatRequest(context.Context, int64, int64) (*models.SeatRequest, error) {
	s.called("InsertSeatRequest")
	return &models.SeatRequest{}, nil
}

func (s *blendedStore) InsertSeatDecision(_ context.Context, _ int64, approver string, _ bool, _ string) (*models.SeatRequest, error) {
	s.called("InsertSeatDecision")
	s.approver = approver
	return &models.SeatRequest{}, nil
}

func (s *blendedStore) SaveSeatWithdrawal(context.Context, int64) (*models.SeatRequest, error) {
	s.called("SaveSeatWithdrawal")
	return &models.SeatRequest{}, nil
}

func (s *blendedStore) InsertSession(_ context.Context, n *models.NewSession) (*models.Session, error) {
	s.called("InsertSession")
	s.session = n
	return &models.Session{}, nil
}

func (s *blendedStore) InsertAttendance(context.Context, int64, []int64, string) ([]models.Attendance, error) {
	s.called("InsertAttendance")
	return nil, nil
}

func (s *blendedStore) InsertEvent(context.Context, *models.NewLearningEvent) (*models.LearningEvent, error) {
	s.called("InsertEvent")
	return &models.LearningEvent{}, nil
}

func (s *blendedStore) SaveRegistration(context.Context, int64, int64) (*models.SessionRegistration, error) {
	s.called("SaveRegistration")
	return &models.SessionRegistration{}, nil
}

func (s *blendedStore) SaveCancellation(context.Context, int64, int64) (*models.SessionRegistration, error) {
	s.called("SaveCancellation")
	return &models.SessionRegistration{}, nil
}

var _ service.BlendedStore = (*blendedStore)(nil)

// blendedWrites calls each write of the service with valid input.
func blendedWrites(at time.Time) map[string]func(ctx context.Context, s *service.Blended) error {
	return map[string]func(ctx context.Context, s *service.Blended) error{
		"CreateBatch": func(ctx context.Context, s *service.Blended) error {
			_, err := s.CreateBatch(ctx, &models.NewBatch{Code: "B-1", CourseID: 1, Name: "N", Venue: "V", StartsAt: at, EndsAt: at.Add(time.Hour), Seats: 3})
			return err
		},
		"RequestSeat": func(ctx context.Context, s *service.Blended) error { _, err := s.RequestSeat(ctx, 1, 2); return err },
		"DecideSeatRequest": func(ctx context.Context, s *service.Blended) error {
			_, err := s.DecideSeatRequest(ctx, 1, "admin", true, "")
			return err
		},
		"WithdrawSeatRequest": func(ctx context.Context, s *service.Blended) error {
			_, err := s.WithdrawSeatRequest(ctx, 1)
			return err
		},
		"CreateSession": func(ctx context.Context, s *service.Blended) error {
			_, err := s.CreateSession(ctx, &models.NewSession{Code: "S-1", EventID: 1, Title: "T", Venue: "V", StartsAt: at, EndsAt: at.Add(time.Hour)})
			return err
		},
		"RecordAttendance": func(ctx context.Context, s *service.Blended) error {
			_, err := s.RecordAttendance(ctx, 1, []int64{2, 3}, "trainer")
			return err
		},
		"CreateEvent": func(ctx context.Context, s *service.Blended) error {
			_, err := s.CreateEvent(ctx, &models.NewLearningEvent{Code: "E-1", Name: "N", StartsAt: at, EndsAt: at.Add(time.Hour)})
			return err
		},
		"RegisterForSession": func(ctx context.Context, s *service.Blended) error {
			_, err := s.RegisterForSession(ctx, 1, 2)
			return err
		},
		"CancelRegistration": func(ctx context.Context, s *service.Blended) error {
			_, err := s.CancelRegistration(ctx, 1, 2)
			return err
		},
	}
}

// TestBlendedWritesAreShared: every write of batches, seats, sessions, events,
// registrations and attendance changes what others see (seat counts, waiting
// lists, places, attendance counts), so each records a shared change.
func TestBlendedWritesAreShared(t *testing.T) {
	for name, write := range blendedWrites(time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)) {
		t.Run(name, func(t *testing.T) {
			st := &blendedStore{}
			ctx, set := change.Track(context.Background())
			change.Learners(ctx, 42) // a learner's change alone would be LearnersOnly
			if err := write(ctx, &service.Blended{Store: st}); err != nil {
				t.Fatal(err)
			}
			if len(st.calls) != 1 {
				t.Fatalf("store calls %v, want one", st.calls)
			}
			if set.LearnersOnly() {
				t.Fatal("the write was not recorded as shared")
			}
		})
	}
}

// TestBlendedValidatesFirst: bad input is refused before the store is asked, and
// records nothing; the store gets the input with its defaults filled in.
func TestBlendedValidatesFirst(t *testing.T) {
	at := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, field string
		write       func(ctx context.Context, s *service.Blended) error
	}{
		{"Batch", "seats", func(ctx context.Context, s *service.Blended) error {
			_, err := s.CreateBatch(ctx, &models.NewBatch{Code: "B-1", CourseID: 1, Name: "N", Venue: "V", StartsAt: at, EndsAt: at.Add(time.Hour)})
			return err
		}},
		{"Session", "batchId", func(ctx context.Context, s *service.Blended) error {
			_, err := s.CreateSession(ctx, &models.NewSession{Code: "S-1", BatchID: 1, EventID: 2, Title: "T", StartsAt: at, EndsAt: at.Add(time.Hour)})
			return err
		}},
		{"Event", "endsAt", func(ctx context.Context, s *service.Blended) error {
			_, err := s.CreateEvent(ctx, &models.NewLearningEvent{Code: "E-1", Name: "N", StartsAt: at, EndsAt: at})
			return err
		}},
		{"NoApprover", "approver", func(ctx context.Context, s *service.Blended) error {
			_, err := s.DecideSeatRequest(ctx, 1, " \t", true, "")
			return err
		}},
		{"LongComment", "comment", func(ctx context.Context, s *service.Blended) error {
			_, err := s.DecideSeatRequest(ctx, 1, "admin", false, strings.Repeat("é", 2001))
			return err
		}},
		{"NoAttendees", "learnerIds", func(ctx context.Context, s *service.Blended) error {
			_, err := s.RecordAttendance(ctx, 1, nil, "")
			return err
		}},
		{"AttendeeTwice", "learnerIds", func(ctx context.Context, s *service.Blended) error {
			_, err := s.RecordAttendance(ctx, 1, []int64{2, 3, 2}, "")
			return err
		}},
		{"TooManyAttendees", "learnerIds", func(ctx context.Context, s *service.Blended) error {
			ids := make([]int64, models.MaxAttendees+1)
			for i := range ids {
				ids[i] = int64(i + 1)
			}
			_, err := s.RecordAttendance(ctx, 1, ids, "")
			return err
		}},
		{"LongRecorder", "recordedBy", func(ctx context.Context, s *service.Blended) error {
			_, err := s.RecordAttendance(ctx, 1, []int64{2}, strings.Repeat("x", 201))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &blendedStore{}
			ctx, set := change.Track(context.Background())
			err := tc.write(ctx, &service.Blended{Store: st})
			if models.ErrorCode(err) != models.EINVALID || models.ErrorField(err) != tc.field {
				t.Fatalf("error %v, want EINVALID (%s)", err, tc.field)
			}
			if len(st.calls) > 0 {
				t.Fatalf("the store was asked: %v", st.calls)
			}
			change.Learners(ctx, 42)
			if !set.LearnersOnly() {
				t.Fatal("a refused write recorded a shared change")
			}
		})
	}

	t.Run("Defaults", func(t *testing.T) {
		st := &blendedStore{}
		s := &service.Blended{Store: st}
		for name, write := range blendedWrites(at) {
			if err := write(context.Background(), s); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if st.batch.Policy != models.PolicyOpen || st.batch.RequiredAttendance != models.DefaultRequiredAttendance {
			t.Errorf("batch stored as %+v, want OPEN at the default attendance", st.batch)
		}
		if st.session.Kind != models.SessionTalk {
			t.Errorf("event session stored as %s, want TALK", st.session.Kind)
		}
		if _, err := s.DecideSeatRequest(context.Background(), 1, "  admin-2 ", true, ""); err != nil || st.approver != "admin-2" {
			t.Errorf("approver stored as %q (%v), want it trimmed", st.approver, err)
		}
		want := []string{"InsertAttendance", "InsertBatch", "InsertEvent", "InsertSeatDecision", "InsertSeatDecision", "InsertSeatRequest",
			"InsertSession", "SaveCancellation", "SaveRegistration", "SaveSeatWithdrawal"}
		if got := slices.Sorted(slices.Values(st.calls)); !slices.Equal(got, want) {
			t.Errorf("store calls %v, want %v", got, want)
		}
	})
}
