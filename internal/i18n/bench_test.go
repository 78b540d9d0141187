package i18n_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/models"
)

// BenchmarkExplain renders one typical explanation per request, as the
// explanation resolver does, in English and Hindi; Sprintf builds the same
// English sentence the way the recommender did before explanations were
// phrases (once per computed list), the baseline the other two compare with.
func BenchmarkExplain(b *testing.B) {
	hi := "सार्वजनिक खरीद"
	explanation := []models.Phrase{
		{Key: "rec.raises", Args: []models.PhraseArg{{Text: "Public Procurement", Hi: hi}, {Text: "1"}, {Key: "rec.assumed_role"}, {Text: "3"}}},
		models.Say("rec.required_for", "3", "Section Officer"),
		{Key: "rec.also_more", Args: []models.PhraseArg{{Text: "Noting and Drafting"}, {Text: "2"}}},
		models.Say("rec.rated_many", "4.3", "120"),
	}
	b.Run("Sprintf", func(b *testing.B) {
		for b.Loop() {
			var s strings.Builder
			fmt.Fprintf(&s, "Raises %s from level %d%s to %d", "Public Procurement", 1, " (no evidence yet: estimated from people in your role)", 3)
			fmt.Fprintf(&s, ", required %d", 3)
			fmt.Fprintf(&s, " for %s", "Section Officer")
			fmt.Fprintf(&s, "; also %s", "Noting and Drafting")
			fmt.Fprintf(&s, " and %d more", 2)
			fmt.Fprintf(&s, "; rated %.1f by %d %s", 4.3, 120, "learners")
			s.WriteByte('.')
			_ = s.String()
		}
	})
	for _, lang := range []i18n.Lang{i18n.English, i18n.Hindi} {
		b.Run(string(lang), func(b *testing.B) {
			for b.Loop() {
				_ = lang.Explain(explanation)
			}
		})
	}
}
