// Package i18n renders the text the API generates in the reader's language,
// English or Hindi, chosen by the request's Accept-Language: recommendation
// explanations (kept as phrases, models.Phrase, so that cached results are the
// same for every reader), error messages and generic level descriptors. The
// messages live once, in the catalogue below; the Hindi is written for this
// project, not machine-transliterated.
package i18n

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// Lang is a language the API writes in.
type Lang string

const (
	English Lang = "en"
	Hindi   Lang = "hi"
)

// Parse returns the first language of an Accept-Language header (RFC 9110) that
// the API writes, by quality: "hi-IN,hi;q=0.9,en;q=0.8" is Hindi, "en-GB" and
// "ta, *;q=0.1" English. Anything it cannot read, or no header, is English.
func Parse(header string) Lang {
	type choice struct {
		lang Lang
		q    float64
		pos  int
	}
	var choices []choice
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch Lang(primary) {
		case English, Hindi:
			if q > 0 {
				choices = append(choices, choice{Lang(primary), q, i})
			}
		}
	}
	if len(choices) == 0 {
		return English
	}
	sort.SliceStable(choices, func(a, b int) bool { return choices[a].q > choices[b].q })
	return choices[0].lang
}

type ctxKey struct{}

// With returns ctx carrying lang, for From.
func With(ctx context.Context, lang Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// From returns the language ctx carries; English when none.
func From(ctx context.Context) Lang {
	if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
		return l
	}
	return English
}

// Render returns phrase p in lang: its message with the arguments filled in.
// An unknown key renders as the key itself, so a missing message shows, never panics.
func (l Lang) Render(p models.Phrase) string {
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		switch {
		case a.Key != "":
			args[i] = l.Render(models.Phrase{Key: a.Key})
		case l == Hindi && a.Hi != "":
			args[i] = a.Hi
		default:
			args[i] = a.Text
		}
	}
	m, ok := messages[p.Key]
	if !ok {
		return p.Key
	}
	format := m.en
	if l == Hindi && m.hi != "" {
		format = m.hi
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Explain returns an explanation (phrases, each with its own leading
// punctuation) as one sentence in lang, ending with its full stop.
func (l Lang) Explain(phrases []models.Phrase) string {
	var b strings.Builder
	for _, p := range phrases {
		b.WriteString(l.Render(p))
	}
	b.WriteString(l.Render(models.Phrase{Key: "end"}))
	return b.String()
}

// Name returns a catalogue name in lang: the Hindi one when the reader asked for
// Hindi and there is one, else the English.
func (l Lang) Name(en string, hi *string) string {
	if l == Hindi && hi != nil && *hi != "" {
		return *hi
	}
	return en
}

// LevelName returns the name of a level in lang: the generic names
// (models.LevelNames) are translated, a competency's own are returned as they are.
func (l Lang) LevelName(level int, name string) string {
	if l != Hindi || level < 1 || level > models.MaxLevel || name != models.LevelNames[level-1] {
		return name
	}
	return levelNamesHi[level-1]
}

// LevelDescription returns a level's descriptor in lang: a generic one
// (models.DefaultLevels) is translated, with the competency's name in Hindi when
// nameHi has one; a competency's own descriptors are returned as they are.
func (l Lang) LevelDescription(level int, description string, nameHi *string) string {
	if l != Hindi || level < 1 || level > models.MaxLevel {
		return description
	}
	prefix, suffix, _ := strings.Cut(models.GenericLevelDescriptors[level-1], "%s")
	if len(description) <= len(prefix)+len(suffix) || !strings.HasPrefix(description, prefix) || !strings.HasSuffix(description, suffix) {
		return description
	}
	name := description[len(prefix) : len(description)-len(suffix)]
	return fmt.Sprintf(levelDescriptorsHi[level-1], l.Name(name, nameHi))
}

// Keys returns the keys of the catalogue's messages, in no order.
func Keys() []string {
	out := make([]string, 0, len(messages))
	for k := range messages {
		out = append(out, k)
	}
	return out
}

// Format returns the message of key in lang as written, verbs unfilled; "" for none.
func Format(lang Lang, key string) string {
	if lang == Hindi {
		return messages[key].hi
	}
	return messages[key].en
}
