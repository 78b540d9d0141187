package load

import (
	"testing"
	"time"
)

// Recovery is measured from the restart: the first success of a request sent
// after the stop, and the first second from which no second has over 1% errors.
func TestRecovery(t *testing.T) {
	t0 := time.Unix(1000, 0)
	stopped, started := t0.Add(10*time.Second), t0.Add(15*time.Second)
	var outs []Outcome
	add := func(at time.Duration, ok bool) {
		o := Outcome{Start: t0.Add(at), Latency: 2 * time.Millisecond}
		if !ok {
			o.Err = "503 SERVICE_UNAVAILABLE"
		}
		outs = append(outs, o)
	}
	for ms := 0; ms < 25000; ms += 10 { // 100 a second
		at := time.Duration(ms) * time.Millisecond
		switch {
		case at < 10*time.Second: // up
			add(at, true)
		case at < 16200*time.Millisecond: // down, and 1.2 s after the restart
			add(at, false)
		case at < 17*time.Second: // some succeed
			add(at, ms%20 == 0)
		default:
			add(at, true)
		}
	}
	first, steady := recovery(outs, stopped, started)
	if first != 1202 || steady != 2000 {
		t.Fatalf("first success %v ms, steady %v ms; want 1202 and 2000", first, steady)
	}
	first, steady = recovery(outs[:1600], stopped, started) // the run ends while still failing
	if first != -1 || steady != -1 {
		t.Fatalf("never recovered: first %v, steady %v; want -1, -1", first, steady)
	}
}

func TestFlatness(t *testing.T) {
	samples := func(grow float64) []Sample {
		var s []Sample
		for at := 10 * time.Second; at <= 10*time.Minute; at += 10 * time.Second {
			f := 1 + grow*at.Minutes()/10
			s = append(s, Sample{At: ms(at), HeapInuse: 20e6 * f, RSS: 60e6, Goroutines: 50})
		}
		return s
	}
	if _, _, flat, why := Flatness(samples(0.1), 10*time.Minute, 0.2); !flat {
		t.Errorf("heap +10%% over the run: %s", why)
	}
	if early, late, flat, why := Flatness(samples(1), 10*time.Minute, 0.2); flat || late.HeapInuse < 1.5*early.HeapInuse {
		t.Errorf("heap doubling over the run: flat %v, %s", flat, why)
	}
	if _, _, flat, why := Flatness(samples(0)[:11], 2*time.Minute, 0.2); !flat {
		t.Errorf("a 2-minute soak compares quarters: %s", why)
	}
	small := []Sample{{At: 15e3, HeapInuse: 20e6, Goroutines: 20}, {At: 35e3, HeapInuse: 24e6, Goroutines: 45}}
	if _, _, flat, why := Flatness(small, 40*time.Second, 0.2); !flat {
		t.Errorf("a short light run, +4 MB and +25 goroutines: %s", why)
	}
	if _, _, flat, _ := Flatness(nil, 10*time.Minute, 0.2); flat {
		t.Error("no samples is flat")
	}
}
