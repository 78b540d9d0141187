package cache_test

import (
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

func TestOpen(t *testing.T) {
	for _, tt := range []struct {
		name, url string
		want      string // type of the cache, or "" for an error
		wantErr   string
	}{
		{"Empty", "", "*cache.Memory", ""},
		{"Redis", "redis://127.0.0.1:6379/0", "*cache.Redis", ""},
		{"RedisTLS", "rediss://user:secret@redis.example:6380/1", "*cache.Redis", ""},
		{"ErrScheme", "memcached://127.0.0.1:11211", "", `unsupported cache URL scheme "memcached"`},
		{"ErrInvalid", "127.0.0.1:6379", "", "invalid cache URL"},
		{"ErrRedisDB", "redis://127.0.0.1:6379/notadb", "", "parse redis URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cache.Open(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) error = %v, want one containing %q", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.url, err)
			}
			defer c.Close()
			if got := typeName(c); got != tt.want {
				t.Fatalf("Open(%q) = %s, want %s", tt.url, got, tt.want)
			}
		})
	}
}

func typeName(c cache.Cache) string {
	switch c.(type) {
	case *cache.Memory:
		return "*cache.Memory"
	case *cache.Redis:
		return "*cache.Redis"
	default:
		return "unknown"
	}
}
