package auth_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
)

// TestSMTPSenderDeadline: a send to a server that never answers ends with the
// context's deadline, not never.
func TestSMTPSenderDeadline(t *testing.T) {
	s, err := auth.NewSMTPSender(testenv.SilentSMTP(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		done <- s.SendOTP(ctx, "asha.rao@gov.in", "123456", time.Now())
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "deadline") {
			t.Fatalf("err = %v, want the deadline", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the send is still waiting for a server that never answers")
	}
	if err := s.SendOTP(context.Background(), "a@gov.in\r\nRCPT TO:<b@gov.in>", "1", time.Now()); err == nil {
		t.Error("an address with a line break was sent")
	}
}

// TestMailQueue: codes are queued and the caller returns at once; a send that
// fails, and a code the full queue cannot take, are logged and counted.
func TestMailQueue(t *testing.T) {
	s, err := auth.NewSMTPSender(testenv.SilentSMTP(t))
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	q := auth.NewMailQueue(s, 1, 1, 200*time.Millisecond, logger)
	for range 3 {
		if err := q.SendOTP(context.Background(), "asha.rao@gov.in", "123456", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st := q.Stats()
		if st.Failed+st.Dropped == 3 {
			if st.Failed < 1 || st.Dropped < 1 || st.Sent != 0 {
				t.Fatalf("stats %+v: want failures and drops, nothing sent", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v: three codes not accounted for", st)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.Close(ctx)
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "sign-in code not mailed") || !strings.Contains(logs.String(), "queue is full") ||
		strings.Contains(logs.String(), "123456") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
