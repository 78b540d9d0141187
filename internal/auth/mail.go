package auth

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Mail queue defaults: a send that takes longer than MailTimeout has failed (the
// code can be asked for again); MailQueueSize codes wait at most, beyond which
// they are dropped rather than held in memory; MailWorkers send at once.
const (
	MailTimeout   = 10 * time.Second
	MailQueueSize = 1000
	MailWorkers   = 4
)

// MailQueue sends sign-in codes after the answer: SendOTP puts the message on a
// bounded queue and returns at once, so requestOtp answers whatever the mail
// server does; workers send each message through Sender within the timeout. A
// send that fails, and a message the full queue cannot take, are logged and
// counted (MailStats), never shown to the caller: the answer is the same either way.
type MailQueue struct {
	sender  OTPSender
	timeout time.Duration
	logger  *slog.Logger
	queue   chan otpMail
	wg      sync.WaitGroup
	close   sync.Once

	sent, failed, dropped atomic.Int64
}

type otpMail struct {
	email, code string
	expires     time.Time
}

// MailStats counts what a MailQueue did.
type MailStats struct{ Sent, Failed, Dropped int64 }

// NewMailQueue starts workers sending through sender; zero values take the defaults.
func NewMailQueue(sender OTPSender, size, workers int, timeout time.Duration, logger *slog.Logger) *MailQueue {
	if size <= 0 {
		size = MailQueueSize
	}
	if workers <= 0 {
		workers = MailWorkers
	}
	if timeout <= 0 {
		timeout = MailTimeout
	}
	if logger == nil {
		logger = slog.Default()
	}
	q := &MailQueue{sender: sender, timeout: timeout, logger: logger, queue: make(chan otpMail, size)}
	for range workers {
		q.wg.Add(1)
		go q.work()
	}
	return q
}

// SendOTP queues the code and returns; it never waits for the mail server.
func (q *MailQueue) SendOTP(ctx context.Context, email, code string, expires time.Time) error {
	select {
	case q.queue <- otpMail{email: email, code: code, expires: expires}:
	default:
		q.dropped.Add(1)
		q.logger.WarnContext(ctx, "mail: sign-in code not mailed: the mail queue is full")
	}
	return nil
}

func (q *MailQueue) work() {
	defer q.wg.Done()
	for m := range q.queue {
		ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
		err := q.sender.SendOTP(ctx, m.email, m.code, m.expires)
		cancel()
		if err != nil {
			q.failed.Add(1)
			q.logger.Warn("mail: sign-in code not mailed", "err", err) // no address, no code
			continue
		}
		q.sent.Add(1)
	}
}

// Stats returns what the queue has sent, failed to send and dropped.
func (q *MailQueue) Stats() MailStats {
	return MailStats{Sent: q.sent.Load(), Failed: q.failed.Load(), Dropped: q.dropped.Load()}
}

// Close stops taking codes and waits, until ctx ends, for the queued ones to be
// sent (each within the timeout). SendOTP must not be called after it.
func (q *MailQueue) Close(ctx context.Context) {
	q.close.Do(func() { close(q.queue) })
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		q.logger.Warn("mail: stopped with sign-in codes unsent", "queued", len(q.queue))
	}
}
