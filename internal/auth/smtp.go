package auth

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
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

// SendOTP mails the code.
func (s *SMTPSender) SendOTP(_ context.Context, email, code string, expires time.Time) error {
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Your iGOT Karmayogi sign-in code\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Your sign-in code is %s. It expires at %s UTC.\r\n"+
		"If you did not ask for it, ignore this message.\r\n",
		s.from, email, code, expires.UTC().Format("15:04"))
	return smtp.SendMail(s.addr, s.auth, s.from, []string{email}, []byte(msg))
}
