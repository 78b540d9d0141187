package auth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"time"
)

// SMTPSender mails sign-in codes through an SMTP server (STARTTLS when offered).
type SMTPSender struct {
	addr string
	from string
	auth smtp.Auth
}

// NewSMTPSender configures a sender from a URL:
// smtp://user:password@host:587?from=no-reply@igot.gov.in (user and password optional).
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("KARMAYOGI_SMTP_URL must look like smtp://user:password@host:587?from=address")
	}
	from := u.Query().Get("from")
	if !strings.Contains(from, "@") {
		return nil, fmt.Errorf("KARMAYOGI_SMTP_URL needs ?from=address")
	}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	s := &SMTPSender{addr: net.JoinHostPort(u.Hostname(), port), from: from}
	if u.User != nil {
		password, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), password, u.Hostname())
	}
	return s, nil
}

// SendOTP mails the code, within ctx's deadline: the connection is closed when
// ctx ends, so a server that accepts and never answers cannot hold the send (or
// the goroutine) for ever. net/smtp's SendMail has no deadline of its own.
func (s *SMTPSender) SendOTP(ctx context.Context, email, code string, expires time.Time) error {
	if strings.ContainsAny(email, "\r\n") { // never a second header or command
		return fmt.Errorf("smtp: refusing an address with a line break")
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Your iGOT Karmayogi sign-in code\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Your sign-in code is %s. It expires at %s UTC.\r\n"+
		"If you did not ask for it, ignore this message.\r\n",
		s.from, email, code, expires.UTC().Format("15:04"))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err = s.deliver(conn, email, []byte(msg))
	if ctx.Err() != nil {
		return fmt.Errorf("smtp %s: %w", s.addr, ctx.Err())
	}
	if errors.Is(err, os.ErrDeadlineExceeded) { // the connection's deadline, which is the context's, fired first
		return fmt.Errorf("smtp %s: %w", s.addr, context.DeadlineExceeded)
	}
	return err
}

// deliver runs one SMTP conversation over conn, as smtp.SendMail does.
func (s *SMTPSender) deliver(conn net.Conn, to string, msg []byte) error {
	host, _, _ := net.SplitHostPort(s.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if s.auth != nil {
		if ok, _ := c.Extension("AUTH"); ok {
			if err := c.Auth(s.auth); err != nil {
				return err
			}
		}
	}
	if err := c.Mail(s.from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
