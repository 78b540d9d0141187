package gqlext

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
)

// KeyValue is the part of the cache that persisted queries need.
type KeyValue interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// persistedTTL: an unused persisted query is forgotten after this.
const persistedTTL = 24 * time.Hour

// PersistedRegistration says who may register an automatic persisted query
// (APQ): store a document under its hash, for a day, in the shared cache. Anyone
// may send a hash that is already registered; a document sent with its hash that
// may not be registered still runs, it is only not stored (the client sends it in
// full again next time).
type PersistedRegistration int

const (
	// RegisterSignedIn: any signed-in caller, any document within the limits
	// (development). Anonymous callers never register: each could store 32 KB a
	// request for a day.
	RegisterSignedIn PersistedRegistration = iota
	// RegisterAllowlisted: signed-in callers, and only documents on
	// Options.Allowlist, the operations of the deployment's clients (production
	// with KARMAYOGI_APQ_ALLOWLIST).
	RegisterAllowlisted
	// RegisterNone: no one (production's default).
	RegisterNone
)

// Persisted adapts the cache to gqlgen's APQ store
// (extension.AutomaticPersistedQuery's Cache), registering only what Register
// allows.
type Persisted struct {
	KV       KeyValue
	Register PersistedRegistration
	Allow    *Allowlist // for RegisterAllowlisted
}

func (p Persisted) Get(ctx context.Context, hash string) (string, bool) {
	b, err := p.KV.Get(ctx, "apq:"+hash)
	return string(b), err == nil
}

func (p Persisted) Add(ctx context.Context, hash, query string) {
	if c := middleware.Caller(ctx); c == nil || c.Registration {
		return
	}
	switch p.Register {
	case RegisterNone:
		return
	case RegisterAllowlisted:
		if !p.Allow.Allows(query) {
			return
		}
	}
	p.KV.Set(ctx, "apq:"+hash, []byte(query), persistedTTL) // a lost entry only costs the client a resend
}

// Allowlist is the set of documents that may be registered as persisted queries,
// compared in canonical form (CanonicalDocument), so a client's spacing and
// comments do not matter.
type Allowlist struct {
	schema *ast.Schema
	docs   map[string]bool
}

// ReadAllowlist reads a JSON object of documents by their hash, as `karmayogi
// allowlist` writes it (and GraphQL Code Generator's persisted documents are); the
// hashes are not trusted, each document is checked against schema.
func ReadAllowlist(schema *ast.Schema, r io.Reader) (*Allowlist, error) {
	var byHash map[string]string
	if err := json.NewDecoder(r).Decode(&byHash); err != nil {
		return nil, fmt.Errorf("allowlist: want a JSON object of documents by hash: %w", err)
	}
	a := &Allowlist{schema: schema, docs: map[string]bool{}}
	for hash, doc := range byHash {
		canon, err := CanonicalDocument(schema, doc)
		if err != nil {
			return nil, fmt.Errorf("allowlist: document %s: %w", hash, err)
		}
		a.docs[canon] = true
	}
	return a, nil
}

// Len is the number of documents allowed.
func (a *Allowlist) Len() int { return len(a.docs) }

// Allows reports whether query is one of the allowed documents.
func (a *Allowlist) Allows(query string) bool {
	if a == nil {
		return false
	}
	canon, err := CanonicalDocument(a.schema, query)
	return err == nil && a.docs[canon]
}

// CanonicalDocument parses query, checks it against schema and returns it in
// one canonical form: gqlparser's formatting, without comments.
func CanonicalDocument(schema *ast.Schema, query string) (string, error) {
	if len(query) > maxDocumentBytes {
		return "", fmt.Errorf("the document is %d bytes; at most %d are allowed", len(query), maxDocumentBytes)
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, ParserTokenLimit)
	if err != nil {
		return "", err
	}
	if errs := validator.ValidateWithRules(schema, doc, nil); len(errs) > 0 {
		return "", errs
	}
	var b strings.Builder
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	return b.String(), nil
}
