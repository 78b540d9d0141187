package auth_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
)

// TestSMTPSender delivers a code to a minimal SMTP peer on loopback and reads what arrived.
func TestSMTPSender(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		say := func(s string) { conn.Write([]byte(s + "\r\n")) }
		say("220 test ESMTP")
		var data strings.Builder
		for inData := false; ; {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case inData && line == ".\r\n":
				inData = false
				say("250 queued")
			case inData:
				data.WriteString(line)
			case strings.HasPrefix(line, "EHLO"), strings.HasPrefix(line, "HELO"):
				say("250 test")
			case strings.HasPrefix(line, "DATA"):
				inData = true
				say("354 go ahead")
			case strings.HasPrefix(line, "QUIT"):
				say("221 bye")
				got <- data.String()
				return
			default:
				say("250 ok")
			}
		}
	}()
	s, err := auth.NewSMTPSender("smtp://" + ln.Addr().String() + "?from=no-reply@igot.gov.in")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendOTP(ctx, "asha.rao@gov.in", "123456", time.Now()); err != nil {
		t.Fatal(err)
	}
	if msg := <-got; !strings.Contains(msg, "To: asha.rao@gov.in") || !strings.Contains(msg, "123456") {
		t.Fatalf("message:\n%s", msg)
	}
	for _, bad := range []string{"http://x", "smtp://host:25", "smtp:///?from=a@b"} {
		if _, err := auth.NewSMTPSender(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
