package auth

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// TestVerifiedTokensEnd: a token verified before is answered from the cache, and
// the cache never outlives what Verify would decide: not the token's expiry, nor
// the end of the previous secret's grace period; the caller it gives is a copy.
func TestVerifiedTokensEnd(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	old := &Tokens{secret: []byte("the old secret, at least thirty-two bytes long"), now: clock}
	cur := &Tokens{secret: []byte("the new secret, at least thirty-two bytes long"), now: clock}
	if err := cur.AcceptPrevious(old.secret, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	short, _, _ := cur.Issue(models.Caller{Role: models.RoleLearner, LearnerID: 7}, time.Minute)
	signedOld, _, _ := old.Issue(models.Caller{Role: models.RoleLearner, LearnerID: 8}, time.Hour)
	for _, tok := range []string{short, signedOld} {
		c, err := cur.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		c.LearnerID = 99 // the cached caller must not change
		if _, ok := cur.verified.get(tok, now); !ok {
			t.Fatal("a verified token was not kept")
		}
		if again, err := cur.Verify(tok); err != nil || again.LearnerID == 99 {
			t.Fatalf("again: %+v, %v", again, err)
		}
	}
	now = now.Add(2 * time.Minute) // past the short token's expiry
	if _, err := cur.Verify(short); err == nil {
		t.Error("an expired token verified from the cache")
	}
	if _, err := cur.Verify(signedOld); err != nil {
		t.Errorf("within the grace period: %v", err)
	}
	now = now.Add(10 * time.Minute) // past the previous secret's grace period
	if _, err := cur.Verify(signedOld); err == nil {
		t.Error("a token of the previous secret verified from the cache after its grace period")
	}
	if _, err := cur.Verify("not a token"); err == nil {
		t.Error("garbage verified")
	}
}
