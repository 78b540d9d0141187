package graph

import (
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// maxErrors is the most validation errors a response carries. A document that
// would produce more is refused with one error (shapeLimit): 500 fields of one
// name with different arguments make 124,750 pairs that cannot merge, each an
// error, 30 MB of response from 15 KB of query.
const maxErrors = 50

// errorBudget counts the errors of one validation; past max it drops them and
// remembers that it did.
type errorBudget struct {
	n, max int
}

func (b *errorBudget) exceeded() bool { return b.n > b.max }

// validationRules returns gqlgen's default rules with, when suggest is false, the
// variants that say no "Did you mean ...?" for unknown arguments, enum values,
// input fields and types (gqlgen swaps the field and scalar-leaf rules itself:
// SetDisableSuggestion). Every rule reports into budget, so one document costs at
// most budget.max errors however many it has.
func validationRules(suggest bool, budget *errorBudget) *rules.Rules {
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
				if budget.n++; budget.n <= budget.max {
					addError(options...)
				}
			})
		})
	}
	return r
}
