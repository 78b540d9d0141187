package i18n_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestParse(t *testing.T) {
	for header, want := range map[string]i18n.Lang{
		"":                                    i18n.English,
		"hi":                                  i18n.Hindi,
		"hi-IN":                               i18n.Hindi,
		"HI-in":                               i18n.Hindi,
		"en":                                  i18n.English,
		"en-GB,en;q=0.9":                      i18n.English,
		"hi-IN,hi;q=0.9,en;q=0.8":             i18n.Hindi,
		"en;q=0.5, hi;q=0.8":                  i18n.Hindi,
		"hi;q=0.5, en;q=0.8":                  i18n.English,
		"ta, hi;q=0.3":                        i18n.Hindi, // Tamil is not written: the next one is
		"ta, *;q=0.1":                         i18n.English,
		"hi;q=0":                              i18n.English, // q=0: not acceptable
		"hi;q=abc":                            i18n.English,
		"fr-CH, fr;q=0.9, hi;q=0.7, en;q=0.7": i18n.Hindi, // equal q: the first listed
		";;;,,,":                              i18n.English,
	} {
		if got := i18n.Parse(header); got != want {
			t.Errorf("Parse(%q) = %s, want %s", header, got, want)
		}
	}
	if got := i18n.From(context.Background()); got != i18n.English {
		t.Errorf("From(no language) = %s", got)
	}
	if got := i18n.From(i18n.With(context.Background(), i18n.Hindi)); got != i18n.Hindi {
		t.Errorf("From(With(hi)) = %s", got)
	}
}

func TestExplain(t *testing.T) {
	hi := "सार्वजनिक खरीद"
	explanation := []models.Phrase{
		{Key: "rec.raises", Args: []models.PhraseArg{{Text: "Public Procurement", Hi: hi}, {Text: "1"}, {Key: "rec.assumed_role"}, {Text: "3"}}},
		models.Say("rec.required_for", "3", "Section Officer"),
		models.Say("rec.rated_many", "4.3", "120"),
	}
	if got, want := i18n.English.Explain(explanation),
		"Raises Public Procurement from level 1 (no evidence yet: estimated from people in your role) to 3, required 3 for Section Officer; rated 4.3 by 120 learners."; got != want {
		t.Errorf("English:\n%s\nwant\n%s", got, want)
	}
	if got, want := i18n.Hindi.Explain(explanation),
		"सार्वजनिक खरीद को स्तर 1 (अभी कोई साक्ष्य नहीं: आपकी भूमिका वाले लोगों के आधार पर अनुमानित) से स्तर 3 तक ले जाता है, Section Officer के लिए आवश्यक स्तर 3; 120 शिक्षार्थियों ने इसे औसतन 4.3 की रेटिंग दी।"; got != want {
		t.Errorf("Hindi:\n%s\nwant\n%s", got, want)
	}
	// A name without Hindi stays English in a Hindi sentence; an unknown key shows itself.
	if got, want := i18n.Hindi.Render(models.Say("rec.also", "Noting and Drafting")), "; साथ ही Noting and Drafting"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := i18n.Hindi.Render(models.Say("no.such.key")); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
}

// TestCatalogueComplete: every message has its Hindi, in Devanagari, taking the
// same arguments as its English.
func TestCatalogueComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%\[(\d)\]s`)
	devanagari := regexp.MustCompile(`[\x{0900}-\x{097F}]`)
	for _, key := range i18n.Keys() {
		hi := i18n.Hindi.Render(models.Phrase{Key: key})
		enFormat, hiFormat := i18n.Format(i18n.English, key), i18n.Format(i18n.Hindi, key)
		if hiFormat == "" || hiFormat == enFormat && key != "end" {
			t.Errorf("%s: no Hindi", key)
			continue
		}
		if key != "end" && !devanagari.MatchString(hi) {
			t.Errorf("%s: Hindi %q has no Devanagari", key, hi)
		}
		args := func(f string) string {
			seen := map[string]bool{}
			for _, m := range verbs.FindAllStringSubmatch(f, -1) {
				seen[m[1]] = true
			}
			var out []string
			for k := range seen {
				out = append(out, k)
			}
			slices.Sort(out)
			return strings.Join(out, ",")
		}
		if args(enFormat) != args(hiFormat) {
			t.Errorf("%s: English takes arguments %s, Hindi %s", key, args(enFormat), args(hiFormat))
		}
		if strings.Count(enFormat, "%") != strings.Count(enFormat, "%[") {
			t.Errorf("%s: English uses a verb without an index: %q", key, enFormat)
		}
	}
}

func TestError(t *testing.T) {
	for _, c := range []struct{ code, en, hi string }{
		{"NOT_FOUND", "course not found", "पाठ्यक्रम नहीं मिला"},
		{"NOT_FOUND", "competency not found", "दक्षता नहीं मिली"},
		{"UNAUTHENTICATED", "sign in required", "साइन इन करना आवश्यक है"},
		{"INTERNAL", "internal error", "आंतरिक त्रुटि"},
		{"BAD_USER_INPUT", "must be at most 300 characters", "अधिकतम 300 वर्ण होने चाहिए"},
		{"BAD_USER_INPUT", "must be between 1 and 5", "1 और 5 के बीच होना चाहिए"},
		{"BAD_USER_INPUT", "must be greater than 0 and at most 2000", "0 से अधिक और अधिकतम 2000 होना चाहिए"},
		{"BAD_USER_INPUT", "must be ONLINE, FACE_TO_FACE or BLENDED", "ONLINE, FACE_TO_FACE या BLENDED में से एक होना चाहिए"},
		{"BAD_USER_INPUT", "must be DRAFT, LIVE or RETIRED", "DRAFT, LIVE या RETIRED में से एक होना चाहिए"},
		{"FORBIDDEN", "the next attempt may start only at 2026-12-05T10:00:00Z", "अगला प्रयास 2026-12-05T10:00:00Z से पहले शुरू नहीं हो सकता"},
		{"BAD_USER_INPUT", "answer 3: choice must be between 1 and 4", "उत्तर 3: विकल्प 1 और 4 के बीच होना चाहिए"},
		{"FORBIDDEN", "only the course's content provider reports a score; a learner gives answers", "अंक केवल पाठ्यक्रम का सामग्री प्रदाता भेज सकता है; शिक्षार्थी उत्तर देते हैं"},
		// Untranslated: the kind in Hindi, the English detail kept.
		{"BAD_USER_INPUT", "must be within two years of the start", "अमान्य इनपुट (must be within two years of the start)"},
		{"CONFLICT", "BEH-01 is already in use", "अनुरोध वर्तमान स्थिति से मेल नहीं खाता (BEH-01 is already in use)"},
		{"SOMETHING_NEW", "odd", "त्रुटि (odd)"},
	} {
		if got := i18n.Hindi.Error(c.code, c.en); got != c.hi {
			t.Errorf("Hindi %s %q = %q, want %q", c.code, c.en, got, c.hi)
		}
		if got := i18n.English.Error(c.code, c.en); got != c.en {
			t.Errorf("English %s %q = %q", c.code, c.en, got)
		}
	}
}

func TestLevels(t *testing.T) {
	generic := models.DefaultLevels("Public Procurement")
	nameHi := "सार्वजनिक खरीद"
	wantNames := []string{"आधारभूत", "मध्यवर्ती", "दक्ष", "उन्नत", "विशेषज्ञ"}
	for i, l := range generic {
		if got := i18n.Hindi.LevelName(l.Level, l.Name); got != wantNames[i] {
			t.Errorf("level %d name %q", l.Level, got)
		}
		if got := i18n.English.LevelName(l.Level, l.Name); got != l.Name {
			t.Errorf("English level %d name %q", l.Level, got)
		}
		hi := i18n.Hindi.LevelDescription(l.Level, l.Description, &nameHi)
		if !strings.Contains(hi, nameHi) || !strings.HasSuffix(hi, "।") {
			t.Errorf("level %d: %q", l.Level, hi)
		}
		if got := i18n.Hindi.LevelDescription(l.Level, l.Description, nil); !strings.Contains(got, "Public Procurement") || strings.Contains(got, "Knows") {
			t.Errorf("level %d without a Hindi name: %q", l.Level, got)
		}
		if got := i18n.English.LevelDescription(l.Level, l.Description, &nameHi); got != l.Description {
			t.Errorf("English level %d: %q", l.Level, got)
		}
	}
	// A competency's own names and descriptors are left as written.
	if got := i18n.Hindi.LevelName(3, "Practitioner"); got != "Practitioner" {
		t.Errorf("own name: %q", got)
	}
	if own := "Drafts notes on GFR cases."; i18n.Hindi.LevelDescription(2, own, &nameHi) != own {
		t.Errorf("own descriptor translated")
	}
	if got := i18n.Hindi.LevelName(2, "Basic"); got != "Basic" { // the name of another level
		t.Errorf("level 2 named Basic: %q", got)
	}
}
