package gqlext

import (
	"container/list"
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// QueryCache keeps parsed and validated documents, least recently used first
// out, within a budget of bytes rather than of entries: a thousand entries of a
// megabyte each were a gigabyte. An entry weighs its text (the key) and its
// syntax tree, estimated from the text's length (documentWeight).
type QueryCache struct {
	mu     sync.Mutex
	budget int
	used   int
	order  *list.List // of *cacheEntry, most recently used at the front
	byKey  map[string]*list.Element
}

type cacheEntry struct {
	key    string
	doc    *ast.QueryDocument
	weight int
}

// astBytesPerByte is how many bytes of syntax tree a byte of document text makes:
// measured (runtime.MemStats around parsing) at 17 for the TypeScript client's
// operations and 25 for a dense document of 300 connection fields. Comments and
// whitespace make none, so it over-counts those, as a budget should.
const astBytesPerByte = 25

// documentWeight is what an entry for query costs the budget.
func documentWeight(query string) int { return len(query) * (1 + astBytesPerByte) }

// NewQueryCache returns an empty cache of budget bytes.
func NewQueryCache(budget int) *QueryCache {
	return &QueryCache{budget: budget, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *QueryCache) Get(_ context.Context, key string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).doc, true
	}
	return nil, false
}

func (c *QueryCache) Add(_ context.Context, key string, doc *ast.QueryDocument) {
	w := documentWeight(key)
	if w > c.budget {
		return // it would push out everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, doc: doc, weight: w})
	c.used += w
	for c.used > c.budget {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.used -= e.weight
	}
}

// size returns the entries held and the bytes they weigh.
func (c *QueryCache) size() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.used
}
