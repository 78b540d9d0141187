package gqlext

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Limits on the shape of a query document. They are checked on the parsed
// document before gqlgen validates it, because validation (overlapping fields,
// fragment expansion) costs more than linear time: a document that breaks a limit
// is refused after one linear pass. Every contract query, with first up to 500 and
// one nested list, is far inside them.
const (
	maxDepth              = 15   // nested selection sets, through fragments
	maxFields             = 1000 // field selections, with each fragment counted where it is spread
	maxAliases            = 50   // fields renamed with an alias
	maxDirectivesPerField = 5
	maxOperations         = 10 // operations in one document (one of them runs)
)

// ParserTokenLimit is the most tokens a query document may hold.
const ParserTokenLimit = 15000

// maxDocumentBytes bounds the text of a query document, apart from the body
// limit (which variables share): the TypeScript client's largest operation is
// under 1 KB, the contract's under 4 KB, while a megabyte of comments passes the
// token limit and, once parsed, stays in the query cache.
const maxDocumentBytes = 32 << 10

// ShapeLimit refuses documents that break the limits above, then validates the
// rest against the schema with at most MaxErrors errors: one that would produce
// more is refused with one error. A valid document goes into the query cache,
// where gqlgen finds it without parsing or validating it again; documents already
// there passed all this when they were first seen.
type ShapeLimit struct {
	TokenLimit int
	Cache      graphql.Cache[*ast.QueryDocument]
	Schema     *ast.Schema
	Suggest    bool // "Did you mean ...?" in validation errors (ValidationRules)
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = ShapeLimit{}

func (ShapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (ShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l ShapeLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > maxDocumentBytes {
		gqlErr := gqlerror.Errorf("the query document is %d bytes; at most %d are allowed", len(p.Query), maxDocumentBytes)
		errcode.Set(gqlErr, errcode.ValidationFailed)
		return gqlErr
	}
	if _, ok := l.Cache.Get(ctx, p.Query); ok || p.Query == "" {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.TokenLimit)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	if msg := checkShape(doc); msg != "" {
		gqlErr := gqlerror.Errorf("%s", msg)
		errcode.Set(gqlErr, errcode.ValidationFailed)
		return gqlErr
	}
	budget := &ErrorBudget{Max: MaxErrors}
	errs := validator.ValidateWithRules(l.Schema, doc, ValidationRules(l.Suggest, budget))
	switch {
	case budget.exceeded():
		gqlErr := gqlerror.Errorf("the query has more than %d errors; correct the first ones and send it again", MaxErrors)
		errcode.Set(gqlErr, errcode.ValidationFailed)
		return gqlErr
	case len(errs) == 0 && len(doc.Operations) > 0:
		l.Cache.Add(ctx, p.Query, doc)
	}
	// A document with errors goes on to gqlgen, which reports them (fewer than MaxErrors).
	return nil
}

// checkShape returns why doc breaks a limit, or "".
func checkShape(doc *ast.QueryDocument) string {
	if len(doc.Operations) > maxOperations {
		return fmt.Sprintf("the document holds %d operations; at most %d are allowed", len(doc.Operations), maxOperations)
	}
	w := &shapeWalk{doc: doc, fragments: map[string]extent{}, visiting: map[string]bool{}}
	var depth, fields int
	for _, op := range doc.Operations {
		e := w.selections(op.SelectionSet)
		depth, fields = max(depth, e.depth), SaturatingAdd(fields, e.fields)
	}
	for _, f := range doc.Fragments { // unused ones too: validation would walk them
		w.fragment(f.Name)
	}
	switch {
	case w.err != "":
		return w.err
	case depth > maxDepth:
		return fmt.Sprintf("the query is %d levels deep; at most %d are allowed", depth, maxDepth)
	case fields > maxFields:
		return fmt.Sprintf("the query selects %d fields; at most %d are allowed", fields, maxFields)
	case w.aliases > maxAliases:
		return fmt.Sprintf("the query uses %d aliases; at most %d are allowed", w.aliases, maxAliases)
	}
	return ""
}

// extent is how deep a selection set goes and how many fields it selects.
type extent struct{ depth, fields int }

// shapeWalk measures a document once: each fragment is measured the first time it
// is spread and remembered, so fragments spread many times cost nothing more.
type shapeWalk struct {
	doc       *ast.QueryDocument
	fragments map[string]extent
	visiting  map[string]bool
	aliases   int
	err       string
}

func (w *shapeWalk) selections(set ast.SelectionSet) extent {
	var out extent
	for _, sel := range set {
		var e extent
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != s.Name {
				w.aliases++
			}
			if len(s.Directives) > maxDirectivesPerField && w.err == "" {
				w.err = fmt.Sprintf("field %s has %d directives; at most %d are allowed", s.Alias, len(s.Directives), maxDirectivesPerField)
			}
			e = w.selections(s.SelectionSet)
			e.depth++
			e.fields = SaturatingAdd(e.fields, 1)
		case *ast.InlineFragment:
			e = w.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			e = w.fragment(s.Name)
		}
		out.depth, out.fields = max(out.depth, e.depth), SaturatingAdd(out.fields, e.fields)
	}
	return out
}

// fragment measures the named fragment; a cycle is an error (validation would
// report it too, but only after walking it).
func (w *shapeWalk) fragment(name string) extent {
	if e, ok := w.fragments[name]; ok {
		return e
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return extent{} // unknown: validation reports it
	}
	if w.visiting[name] {
		if w.err == "" {
			w.err = fmt.Sprintf("fragment %s spreads itself", name)
		}
		return extent{}
	}
	w.visiting[name] = true
	e := w.selections(def.SelectionSet)
	delete(w.visiting, name)
	w.fragments[name] = e
	return e
}
