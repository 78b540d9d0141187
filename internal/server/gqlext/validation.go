package gqlext

import (
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// MaxErrors is the most validation errors a response carries. A document that
// would produce more is refused with one error (ShapeLimit): 500 fields of one
// name with different arguments make 124,750 pairs that cannot merge, each an
// error, 30 MB of response from 15 KB of query.
const MaxErrors = 50

// ErrorBudget counts the errors of one validation; past Max it drops them and
// remembers that it did.
type ErrorBudget struct {
	n   int
	Max int
}

func (b *ErrorBudget) exceeded() bool { return b.n > b.Max }

// ValidationRules returns gqlgen's default rules with, when suggest is false, the
// variants that say no "Did you mean ...?" for unknown arguments, enum values,
// input fields and types (gqlgen swaps the field and scalar-leaf rules itself:
// SetDisableSuggestion). Every rule reports into budget, so one document costs at
// most budget.Max errors however many it has.
func ValidationRules(suggest bool, budget *ErrorBudget) *rules.Rules {
	r := rules.NewDefaultRules()
	if !suggest {
		for _, rule := range []core.Rule{rules.KnownArgumentNamesRuleWithoutSuggestions,
			rules.KnownTypeNamesRuleWithoutSuggestions, rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
			rules.FieldsOnCorrectTypeRuleWithoutSuggestions, rules.ScalarLeafsRuleWithoutSuggestions} {
			r.RemoveRule(rule.Name[:len(rule.Name)-len("WithoutSuggestions")])
			r.AddRule(rule.Name, rule.RuleFunc)
		}
	}
	for name, fn := range r.GetInner() {
		r.ReplaceRule(name, func(observers *core.Events, addError core.AddErrFunc) {
			fn(observers, func(options ...core.ErrorOption) {
				if budget.n++; budget.n <= budget.Max {
					addError(options...)
				}
			})
		})
	}
	return r
}
