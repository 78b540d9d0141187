package gqlext

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// TestQueryCacheBudget: the parsed-query cache holds documents within a budget of
// bytes, dropping the least recently used, so distinct documents cannot grow it.
func TestQueryCacheBudget(t *testing.T) {
	ctx := context.Background()
	doc := &ast.QueryDocument{}
	query := func(i, size int) string {
		q := fmt.Sprintf("{ a%d }", i)
		return q + strings.Repeat(" ", size-len(q))
	}
	c := NewQueryCache(10 * documentWeight(query(0, 1000)))
	for i := range 10 {
		c.Add(ctx, query(i, 1000), doc)
	}
	c.Get(ctx, query(0, 1000)) // recently used: kept when the next one comes
	c.Add(ctx, query(10, 1000), doc)
	if _, ok := c.Get(ctx, query(0, 1000)); !ok {
		t.Error("the most recently used entry was dropped")
	}
	for i := 11; i < 100; i++ {
		c.Add(ctx, query(i, 1000), doc)
	}
	n, used := c.size()
	if n != 10 || used > 10*documentWeight(query(0, 1000)) {
		t.Fatalf("%d entries weighing %d, want 10 within the budget", n, used)
	}
	if _, ok := c.Get(ctx, query(99, 1000)); !ok {
		t.Error("the newest entry was dropped")
	}
	if _, ok := c.Get(ctx, query(1, 1000)); ok {
		t.Error("an old entry was kept")
	}
	c.Add(ctx, query(200, 20_000), doc) // heavier than the whole budget: not kept
	if _, ok := c.Get(ctx, query(200, 20_000)); ok {
		t.Error("a document over the budget was kept")
	}
	if n, _ := c.size(); n != 10 {
		t.Errorf("%d entries after a refused one, want 10", n)
	}
}
