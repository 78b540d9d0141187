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
		{"Cluster", "redis+cluster://10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000", "*cache.Redis", ""},
		{"ClusterTLSOptions", "rediss+cluster://user:secret@a.example:7000,b.example:7000?read_timeout=1s&pool_size=20", "*cache.Redis", ""},
		{"Sentinel", "redis+sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/mymaster/1?sentinel_password=other", "*cache.Redis", ""},
		{"ErrClusterDB", "redis+cluster://10.0.0.1:7000/1", "", "has no database path"},
		{"ErrClusterHost", "redis+cluster://10.0.0.2,10.0.0.1:7000", "", `"10.0.0.2" is not host:port`},
		{"ErrClusterOption", "redis+cluster://:secret@10.0.0.1:7000?no_such=1", "", "unexpected option: no_such"},
		{"ErrSentinelMaster", "redis+sentinel://10.0.0.1:26379", "", "needs the master's name"},
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
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("Open(%q) error %q shows the password", tt.url, err)
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
