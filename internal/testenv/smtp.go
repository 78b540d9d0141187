package testenv

import (
	"net"
	"sync"
)

// SilentSMTP starts a mail server that accepts connections and never answers, and
// returns its smtp:// URL; it stops with the test. It is what a hung mail server
// looks like to a sender that has no deadline.
func SilentSMTP(t TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "smtp://" + ln.Addr().String() + "?from=no-reply@igot.gov.in"
}
