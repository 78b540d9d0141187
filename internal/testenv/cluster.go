package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// RedisCluster is a private Redis Cluster: three masters without replicas, the
// 16384 hash slots split between them.
type RedisCluster struct {
	Nodes []*Redis
}

// clusterBusOffset is how far above its port a cluster node listens for the
// cluster bus (Redis's fixed default).
const clusterBusOffset = 10000

// clusterPort returns a port that is free, and whose cluster bus port is free too.
func clusterPort() (int, error) {
	for range 100 {
		port, err := FreePort()
		if err != nil {
			return 0, err
		}
		if port+clusterBusOffset > 65535 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+clusterBusOffset)))
		if err != nil {
			continue
		}
		l.Close()
		return port, nil
	}
	return 0, errors.New("testenv: no free port with a free cluster bus port (port+10000)")
}

// NewRedisCluster starts three cluster-enabled redis-servers on free ports (each
// with its bus port, port+10000, free), joins them with redis-cli --cluster create
// and waits until every node reports cluster_state:ok.
func NewRedisCluster() (*RedisCluster, error) {
	for _, prog := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(prog); err != nil {
			return nil, fmt.Errorf("testenv: %s not found: %w", prog, err)
		}
	}
	c := &RedisCluster{}
	for range 3 {
		port, err := clusterPort()
		if err != nil {
			c.Close()
			return nil, err
		}
		// nodes.conf lands in the node's own --dir.
		n, err := newRedis(port, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("testenv: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitOK(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// WaitOK waits until every node reports cluster_state:ok, or ctx ends.
func (c *RedisCluster) WaitOK(ctx context.Context) error {
	for _, n := range c.Nodes {
		for {
			out, err := exec.CommandContext(ctx, "redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(n.Port), "cluster", "info").CombinedOutput()
			if err == nil && strings.Contains(string(out), "cluster_state:ok") {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("testenv: cluster node %s not ok: %w\n%s", n.Addr(), ctx.Err(), out)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// Addrs are the nodes' host:port addresses.
func (c *RedisCluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// URL is the cache URL of the cluster: redis+cluster://host:port,host:port,...
func (c *RedisCluster) URL() string {
	return "redis+cluster://" + strings.Join(c.Addrs(), ",")
}

// Close stops every node and removes their directories.
func (c *RedisCluster) Close() error {
	var first error
	for _, n := range c.Nodes {
		if err := n.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
