package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
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

// RedisSentinel is a private master, a replica of it, and one sentinel that
// watches them (quorum 1) under the name Name and fails over to the replica a
// second after the master stops answering.
type RedisSentinel struct {
	Name                      string
	Master, Replica, Sentinel *Redis
}

// NewRedisSentinel starts the master, the replica, and, once the replica is in
// sync, the sentinel; it returns when the sentinel knows the replica.
func NewRedisSentinel() (*RedisSentinel, error) {
	s := &RedisSentinel{Name: "karmayogi"}
	var err error
	if s.Master, err = NewRedis(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fail := func(err error) (*RedisSentinel, error) {
		s.Close()
		return nil, err
	}
	if s.Replica, err = NewRedis("--replicaof", "127.0.0.1", strconv.Itoa(s.Master.Port)); err != nil {
		return fail(err)
	}
	if err := waitCLI(ctx, s.Replica.Port, "master_link_status:up", "info", "replication"); err != nil {
		return fail(err)
	}
	port, err := FreePort()
	if err != nil {
		return fail(err)
	}
	s.Sentinel = &Redis{Port: port, Args: []string{"--sentinel"}}
	if s.Sentinel.dir, err = os.MkdirTemp("", "karmayogi-sentinel-"); err != nil {
		return fail(err)
	}
	s.Sentinel.conf = filepath.Join(s.Sentinel.dir, "sentinel.conf") // sentinels rewrite theirs
	conf := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 1\nsentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 10000\n", s.Name, s.Master.Port)
	if err := os.WriteFile(s.Sentinel.conf, []byte(conf), 0o600); err != nil {
		return fail(err)
	}
	if err := s.Sentinel.Start(); err != nil {
		return fail(err)
	}
	if err := waitCLI(ctx, port, strconv.Itoa(s.Replica.Port), "sentinel", "replicas", s.Name); err != nil {
		return fail(err)
	}
	return s, nil
}

// waitCLI runs redis-cli against port until its output contains want, or ctx ends.
func waitCLI(ctx context.Context, port int, want string, args ...string) error {
	for {
		out, err := exec.CommandContext(ctx, "redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		if err == nil && strings.Contains(string(out), want) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testenv: redis-cli -p %d %s: no %q: %w\n%s", port, strings.Join(args, " "), want, ctx.Err(), out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URL is the cache URL of the watched master: redis+sentinel://host:port/NAME.
func (s *RedisSentinel) URL() string { return "redis+sentinel://" + s.Sentinel.Addr() + "/" + s.Name }

// Close stops the sentinel, the replica and the master, and removes their directories.
func (s *RedisSentinel) Close() error {
	var first error
	for _, r := range []*Redis{s.Sentinel, s.Replica, s.Master} {
		if r == nil {
			continue
		}
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
