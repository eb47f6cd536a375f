package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/session"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "weft-data" || c.MaxMessageBytes != 1<<20 || len(c.AllowedOrigins) != 0 {
		t.Errorf("defaults = %+v", c)
	}
	if c.Store != "embedded" || c.Compression != "no-context-takeover" || c.PprofAddr != "" {
		t.Errorf("store %q compression %q pprof %q, want embedded, no-context-takeover and none", c.Store, c.Compression, c.PprofAddr)
	}
}

func TestConfigEnvAndFlags(t *testing.T) {
	e := env(map[string]string{"WEFT_ADDR": ":9000", "WEFT_DATA_DIR": "/tmp/x", "WEFT_ALLOWED_ORIGINS": "https://a.example, *.b.example", "WEFT_PING_INTERVAL": "3s"})
	c, err := parseConfig([]string{"--addr", ":7000"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7000" {
		t.Errorf("flag should win over env: Addr = %q", c.Addr)
	}
	if c.DataDir != "/tmp/x" || c.PingInterval != 3*time.Second {
		t.Errorf("env not applied: %+v", c)
	}
	if strings.Join(c.AllowedOrigins, "|") != "a.example|*.b.example" {
		t.Errorf("origins = %q", c.AllowedOrigins)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--max-message-bytes", "10"}, nil, "max message bytes 10"},
		{nil, map[string]string{"WEFT_PING_TIMEOUT": "soon"}, "WEFT_PING_TIMEOUT=\"soon\""},
		{[]string{"--log-level", "loud"}, nil, "log level"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"--nope"}, nil, "flag provided but not defined"},
		{[]string{"--store", "disk"}, nil, "store \"disk\""},
		{nil, map[string]string{"WEFT_STORE": "memory", "DATABASE_URL": "postgres://x"}, "exclude each other"},
		{[]string{"--compression", "max"}, nil, "compression \"max\""},
		{[]string{"--pprof-addr", ":6060"}, nil, "loopback"},
		{[]string{"--pprof-addr", "10.1.2.3:6060"}, nil, "loopback"},
	} {
		_, err := parseConfig(c.args, env(c.env), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseConfig(%q, %v) = %v, want error containing %q", c.args, c.env, err, c.want)
		}
	}
}

func TestConfigHelpNamesEveryEnvVar(t *testing.T) {
	var out bytes.Buffer
	_, err := parseConfig([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, errHelp) {
		t.Fatalf("err = %v, want errHelp", err)
	}
	for _, v := range []string{"WEFT_STORE", "WEFT_COMPRESSION", "WEFT_PPROF_ADDR", "WEFT_ADDR", "WEFT_DATA_DIR", "WEFT_ALLOWED_ORIGINS", "WEFT_MAX_MESSAGE_BYTES", "WEFT_SNAPSHOT_EVERY"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("--help does not mention %s", v)
		}
	}
}

func TestConfigDocOwnership(t *testing.T) {
	c, err := parseConfig(nil, env(nil), &bytes.Buffer{})
	if err != nil || !c.DocOwnership {
		t.Errorf("default doc ownership = %v, %v; want on", c.DocOwnership, err)
	}
	c, err = parseConfig(nil, env(map[string]string{"WEFT_DOC_OWNERSHIP": "false"}), &bytes.Buffer{})
	if err != nil || c.DocOwnership {
		t.Errorf("WEFT_DOC_OWNERSHIP=false: %v, %v; want off", c.DocOwnership, err)
	}
	c, err = parseConfig([]string{"--doc-ownership=false"}, env(map[string]string{"WEFT_DOC_OWNERSHIP": "true"}), &bytes.Buffer{})
	if err != nil || c.DocOwnership {
		t.Errorf("--doc-ownership=false over the environment: %v, %v; want off", c.DocOwnership, err)
	}
}

// TestCommitWorkers: one commit at a time (the largest batches) unless
// several instances commit the same documents on Postgres.
func TestCommitWorkers(t *testing.T) {
	for _, c := range []struct {
		pg, redis string
		owner     bool
		want      int
	}{
		{"", "", true, 1},
		{"postgres://db", "", true, 1},
		{"postgres://db", "redis://r", true, 1},
		{"postgres://db", "redis://r", false, 3},
	} {
		s := &server{cfg: Config{PostgresURL: c.pg, RedisURL: c.redis, DocOwnership: c.owner}}
		if got := s.commitWorkers(); got != c.want {
			t.Errorf("postgres %q, redis %q, ownership %v: %d commit workers, want %d", c.pg, c.redis, c.owner, got, c.want)
		}
	}
}

func TestConfigHeadCheckInterval(t *testing.T) {
	c, err := parseConfig(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HeadCheckEvery != 30*time.Second {
		t.Errorf("default head check interval = %v, want 30s", c.HeadCheckEvery)
	}
	c, err = parseConfig(nil, env(map[string]string{"WEFT_HEAD_CHECK_INTERVAL": "250ms"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HeadCheckEvery != 250*time.Millisecond {
		t.Errorf("head check interval from env = %v, want 250ms", c.HeadCheckEvery)
	}
	if _, err := parseConfig([]string{"--head-check-interval", "0s"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Error("a zero head check interval was accepted")
	}
}

func TestConfigStoreAndProfiling(t *testing.T) {
	e := env(map[string]string{"WEFT_STORE": "memory", "WEFT_PPROF_ADDR": "127.0.0.1:6060", "WEFT_COMPRESSION": "off"})
	c, err := parseConfig(nil, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "memory" || c.PprofAddr != "127.0.0.1:6060" || c.Compression != "off" {
		t.Errorf("env not applied: store %q pprof %q compression %q", c.Store, c.PprofAddr, c.Compression)
	}
	c, err = parseConfig([]string{"--store", "embedded", "--pprof-addr", "localhost:0"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "embedded" || c.PprofAddr != "localhost:0" {
		t.Errorf("flags should win over env: store %q pprof %q", c.Store, c.PprofAddr)
	}
}

func TestConfigLimits(t *testing.T) {
	c, err := parseConfig(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Limits
	if l.MaxConnections != 20000 || l.MaxConnectionsPerIP != 256 || l.HandshakeTimeout != 10*time.Second ||
		l.OpRate != 100 || l.OpBurst != 200 || l.PresenceRate != 100 || l.PresenceBurst != 200 ||
		l.RateStrikes != 20 || l.RateStrikeWindow != 10*time.Second || l.RateLimitBan != 30*time.Second || l.MaxSubscriptions != 1000 ||
		l.MaxOpBytes != 256<<10 || l.MaxDocBytes != 16<<20 || len(l.TrustedProxies) != 0 || l.APIRate != 50 || l.APIBurst != 200 {
		t.Errorf("default limits = %+v", l)
	}
	var o session.Options
	l.apply(&o)
	if o.MaxConnections != 20000 || o.MaxConnectionsPerIP != 256 || o.OpRate != 100 || o.MaxDocBytes != 16<<20 {
		t.Errorf("default session options = %+v", o)
	}

	e := env(map[string]string{"WEFT_TRUSTED_PROXIES": "127.0.0.1, 10.1.2.3/8,::1", "WEFT_OP_RATE": "2.5", "WEFT_MAX_DOC_BYTES": "0"})
	c, err = parseConfig([]string{"--max-connections-per-ip", "0", "--rate-limit-strikes", "0", "--rate-limit-ban", "0s"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Limits.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "127.0.0.1/32 10.0.0.0/8 ::1/128" || c.Limits.OpRate != 2.5 {
		t.Errorf("proxies %q rate %v", got, c.Limits.OpRate)
	}
	o = session.Options{}
	c.Limits.apply(&o)
	if o.MaxConnectionsPerIP >= 0 || o.MaxDocBytes >= 0 || o.RateStrikes >= 0 || o.RateLimitBan >= 0 || o.OpRate != 2.5 {
		t.Errorf("0 should turn limits off (negative in session.Options): %+v", o)
	}
}

func TestConfigLimitErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--trusted-proxies", "10.0.0.0/33"}, nil, "trusted proxy \"10.0.0.0/33\""},
		{nil, map[string]string{"WEFT_TRUSTED_PROXIES": "nginx"}, "trusted proxy \"nginx\""},
		{[]string{"--max-connections", "-1"}, nil, "must not be negative"},
		{[]string{"--max-connections-per-ip", "-5"}, nil, "must not be negative"},
		{[]string{"--max-subscriptions", "-1"}, nil, "must not be negative"},
		{[]string{"--max-doc-bytes", "-1"}, nil, "must not be negative"},
		{[]string{"--op-rate", "-1"}, nil, "not negative"},
		{[]string{"--op-rate", "NaN"}, nil, "must be finite"},
		{nil, map[string]string{"WEFT_PRESENCE_RATE": "+Inf"}, "must be finite"},
		{[]string{"--presence-rate", "NaN!"}, nil, "invalid value"},
		{[]string{"--op-burst", "0"}, nil, "bursts must be at least 1"},
		{[]string{"--presence-burst", "-3"}, nil, "bursts must be at least 1"},
		{[]string{"--api-rate", "-2"}, nil, "not negative"},
		{nil, map[string]string{"WEFT_API_RATE": "Inf"}, "must be finite"},
		{[]string{"--api-burst", "0"}, nil, "bursts must be at least 1"},
		{[]string{"--rate-limit-strikes", "-1"}, nil, "strikes -1"},
		{[]string{"--rate-limit-window", "0s"}, nil, "must be positive"},
		{[]string{"--handshake-timeout", "-1s"}, nil, "must be positive"},
		{[]string{"--rate-limit-ban", "-1s"}, nil, "ban must not be negative"},
		{nil, map[string]string{"WEFT_HANDSHAKE_TIMEOUT": "forever"}, "WEFT_HANDSHAKE_TIMEOUT"},
		{[]string{"--max-op-bytes", "2000000"}, nil, "exceeds max message bytes"},
	} {
		_, err := parseConfig(c.args, env(c.env), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseConfig(%q, %v) = %v, want error containing %q", c.args, c.env, err, c.want)
		}
	}
	// A rate of 0 turns the limit off, and its burst no longer matters.
	if _, err := parseConfig([]string{"--op-rate", "0", "--op-burst", "0"}, env(nil), &bytes.Buffer{}); err != nil {
		t.Errorf("op rate 0 with burst 0: %v", err)
	}
}

// TestConfigSmallMessageLimitLowersDefaultOpLimit: lowering only
// --max-message-bytes is a valid configuration; the default op limit
// follows it down, while an explicit larger op limit is still an error.
func TestConfigSmallMessageLimitLowersDefaultOpLimit(t *testing.T) {
	c, err := parseConfig([]string{"--max-message-bytes", "2048"}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.MaxOpBytes != 2048 {
		t.Errorf("max op bytes %d, want 2048", c.Limits.MaxOpBytes)
	}
	if _, err := parseConfig([]string{"--max-message-bytes", "2048", "--max-op-bytes", "4096"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Error("explicit op limit above the message limit accepted")
	}
}
