package store

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

// sqlStateError stands for the driver's server error, which exposes its SQLSTATE.
type sqlStateError string

func (e sqlStateError) Error() string    { return "FATAL: " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

// The database being down is told apart from bugs: refused, reset and closed
// connections and PostgreSQL's shutdown and start-up states are ErrUnavailable.
func TestClassifyUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"ConnectionRefused", fmt.Errorf("learner: failed to connect: dial error: %w", refused), true},
		{"ConnectionReset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"AdminShutdown", fmt.Errorf("courses: %w", sqlStateError("57P01")), true},
		{"StartingUp", sqlStateError("57P03"), true},
		{"ConnectionException", sqlStateError("08006"), true},
		{"TooManyConnections", sqlStateError("53300"), true},
		{"UniqueViolation", sqlStateError("23505"), false},
		{"Bug", errors.New("index out of range"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(Classify(tc.err), ErrUnavailable); got != tc.want {
				t.Fatalf("Classify(%v) unavailable = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
