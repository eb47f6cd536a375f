package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

// Config is everything the server reads from its flags and environment.
// Every flag has an environment mirror; an explicit flag wins.
type Config struct {
	Addr            string
	Store           string
	DataDir         string
	AllowedOrigins  []string
	MaxMessageBytes int64
	PingInterval    time.Duration
	PingTimeout     time.Duration
	SendQueue       int
	SnapshotEvery   int
	DocIdleTimeout  time.Duration
	HeadCheckEvery  time.Duration
	ShutdownTimeout time.Duration
	LogLevel        slog.Level
	LogFormat       string
	PostgresURL     string
	RedisURL        string
	RedisPrefix     string
	// DocOwnership routes each document's submits to the instance
	// holding its lease in Redis (session.Options.DisableOwnership off).
	DocOwnership bool
	// TestNamespaces mounts the conformance control protocol (test only).
	TestNamespaces bool
	PprofAddr      string
	Compression    string
	// Limits are the abuse limits (limits.go).
	Limits Limits

	Auth AuthConfig

	// OTLPEndpoint is the OTLP/HTTP collector traces go to; "" records
	// no traces.
	OTLPEndpoint string
	// HealthInterval is the period of the store and Redis health pings.
	HealthInterval time.Duration
	// CheckConfig validates the configuration and exits (--check-config).
	CheckConfig bool
}

// AuthConfig is the access control configuration (see internal/auth).
// With no key source the server runs open.
type AuthConfig struct {
	HMACSecrets    [][]byte
	HMACSecretFile string
	PublicKeyFiles []string
	JWKSFile       string
	JWKSURL        string
	JWKSRefresh    time.Duration
	Issuer         string
	Audience       []string
	Leeway         time.Duration
	Claim          string
	Cookie         string // "" when disabled
	QueryParam     string // "" when disabled
	RevocationFile string
	RevocationURL  string
	RevocationPoll time.Duration
	RequireAuth    bool
}

// Enabled reports whether any key source is configured.
func (a AuthConfig) Enabled() bool {
	return len(a.HMACSecrets) > 0 || a.HMACSecretFile != "" || len(a.PublicKeyFiles) > 0 || a.JWKSFile != "" || a.JWKSURL != ""
}

// authLists holds the raw comma-separated settings until finish splits them.
type authLists struct {
	secrets, publicKeys, audience string
}

// setting is one configuration knob: its flag, its environment mirror and
// where it lands in Config.
type setting struct {
	flag, env, usage string
	bind             func(fs *flag.FlagSet, name, usage string)
}

func settings(c *Config, origins *string, level *string, al *authLists) []setting {
	str := func(dst *string, def string) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.StringVar(dst, n, def, u) }
	}
	dur := func(dst *time.Duration, def time.Duration) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.DurationVar(dst, n, def, u) }
	}
	boolean := func(dst *bool) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.BoolVar(dst, n, false, u) }
	}
	num := func(dst *int, def int) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.IntVar(dst, n, def, u) }
	}
	return append([]setting{
		{"addr", "WEFT_ADDR", "address to listen on", str(&c.Addr, ":8080")},
		{"store", "WEFT_STORE", "where documents live without --postgres-url: embedded (durable file store in --data-dir) or memory (NOT durable: everything is lost on exit; for benchmarks and tests only)", str(&c.Store, "embedded")},
		{"data-dir", "WEFT_DATA_DIR", "directory of the embedded store (created if missing)", str(&c.DataDir, "weft-data")},
		{"allowed-origins", "WEFT_ALLOWED_ORIGINS", "comma-separated Origin host patterns allowed to open WebSockets besides the server's own host (e.g. \"*.example.com,localhost:3000\"; \"*\" allows all)", str(origins, "")},
		{"max-message-bytes", "WEFT_MAX_MESSAGE_BYTES", "largest WebSocket message accepted, after decompression; larger ones close the socket with 1009", func(fs *flag.FlagSet, n, u string) { fs.Int64Var(&c.MaxMessageBytes, n, 1<<20, u) }},
		{"ping-interval", "WEFT_PING_INTERVAL", "how often the server pings each WebSocket", dur(&c.PingInterval, 25*time.Second)},
		{"ping-timeout", "WEFT_PING_TIMEOUT", "how long a ping may go unanswered before the socket is closed", dur(&c.PingTimeout, 20*time.Second)},
		{"send-queue", "WEFT_SEND_QUEUE", "messages queued per connection before a slow client is disconnected (close code 1008; it reconnects and catches up)", num(&c.SendQueue, 1024)},
		{"snapshot-every", "WEFT_SNAPSHOT_EVERY", "write a snapshot (and history milestone) every N ops per document", num(&c.SnapshotEvery, 100)},
		{"doc-idle-timeout", "WEFT_DOC_IDLE_TIMEOUT", "unload a document this long after its last subscriber leaves", dur(&c.DocIdleTimeout, time.Minute)},
		{"head-check-interval", "WEFT_HEAD_CHECK_INTERVAL", "how often an open document compares its version with the store's head, catching up on edits whose Redis message was lost", dur(&c.HeadCheckEvery, 30*time.Second)},
		{"shutdown-timeout", "WEFT_SHUTDOWN_TIMEOUT", "how long a SIGINT/SIGTERM drain may take", dur(&c.ShutdownTimeout, 15*time.Second)},
		{"postgres-url", "DATABASE_URL", "Postgres connection URL; when set, documents live in Postgres instead of the embedded store (required for several instances)", str(&c.PostgresURL, "")},
		{"redis-url", "REDIS_URL", "Redis URL; when set, instances share edits and presence over Redis pub/sub (without it the instance runs alone)", str(&c.RedisURL, "")},
		{"redis-prefix", "WEFT_REDIS_PREFIX", "prefix of Weft's Redis channel names, so deployments can share one Redis", str(&c.RedisPrefix, "weft:")},
		{"doc-ownership", "WEFT_DOC_OWNERSHIP", "with --redis-url: route each document's submits to one owning instance (the holder of the document's lease in Redis), so that a busy document is committed by one instance in large batches instead of several taking turns; --doc-ownership=false lets every instance commit its own clients' submits", func(fs *flag.FlagSet, n, u string) { fs.BoolVar(&c.DocOwnership, n, true, u) }},
		{"test-namespaces", "WEFT_TEST_NAMESPACES", "TEST ONLY, never in production: serve /_test/ns, which lets anyone create and drop throwaway in-memory document spaces (for running sharedb's client test suite; see conformance/PROTOCOL.md)", boolean(&c.TestNamespaces)},
		{"compression", "WEFT_COMPRESSION", "WebSocket permessage-deflate: no-context-takeover (each message compressed alone; little memory per connection), context-takeover (better ratio, but a compressor kept per connection costs hundreds of KB each) or off", str(&c.Compression, "no-context-takeover")},
		{"pprof-addr", "WEFT_PPROF_ADDR", "loopback address (e.g. 127.0.0.1:6060) to serve net/http/pprof on, for profiling; empty (the default) serves none", str(&c.PprofAddr, "")},
		{"auth-hmac-secrets", "WEFT_AUTH_HMAC_SECRETS", "comma-separated HMAC secrets (at least 32 bytes each) verifying HS256/384/512 tokens; prefer the environment or --auth-hmac-secret-file over the command line", str(&al.secrets, "")},
		{"auth-hmac-secret-file", "WEFT_AUTH_HMAC_SECRET_FILE", "file of HMAC secrets, one per line", str(&c.Auth.HMACSecretFile, "")},
		{"auth-public-keys", "WEFT_AUTH_PUBLIC_KEYS", "comma-separated PEM files of RSA, ECDSA or Ed25519 public keys verifying RS*/PS*/ES*/EdDSA tokens", str(&al.publicKeys, "")},
		{"auth-jwks-file", "WEFT_AUTH_JWKS_FILE", "JSON Web Key Set file, re-read when it changes (key rotation)", str(&c.Auth.JWKSFile, "")},
		{"auth-jwks-url", "WEFT_AUTH_JWKS_URL", "JSON Web Key Set URL (e.g. your identity provider's jwks_uri), refreshed every --auth-jwks-refresh and when a token names an unknown kid", str(&c.Auth.JWKSURL, "")},
		{"auth-jwks-refresh", "WEFT_AUTH_JWKS_REFRESH", "how often the JWKS URL is fetched", dur(&c.Auth.JWKSRefresh, 5*time.Minute)},
		{"auth-issuer", "WEFT_AUTH_ISSUER", "required token issuer (iss); empty: not checked", str(&c.Auth.Issuer, "")},
		{"auth-audience", "WEFT_AUTH_AUDIENCE", "comma-separated accepted audiences (aud); empty: not checked", str(&al.audience, "")},
		{"auth-leeway", "WEFT_AUTH_LEEWAY", "clock skew allowed when checking exp, nbf and iat", dur(&c.Auth.Leeway, 30*time.Second)},
		{"auth-claim", "WEFT_AUTH_CLAIM", "name of the token claim holding the read/write grants", str(&c.Auth.Claim, "weft")},
		{"auth-cookie", "WEFT_AUTH_COOKIE", "cookie that may carry the token (\"off\" disables)", str(&c.Auth.Cookie, "weft_token")},
		{"auth-query-param", "WEFT_AUTH_QUERY_PARAM", "URL query parameter that may carry the token, for browser WebSockets (\"off\" disables)", str(&c.Auth.QueryParam, "token")},
		{"auth-revocation-file", "WEFT_AUTH_REVOCATION_FILE", "revocation list file {\"jti\":[...],\"sub\":[...]}, re-read when it changes; live sessions it names are closed", str(&c.Auth.RevocationFile, "")},
		{"auth-revocation-url", "WEFT_AUTH_REVOCATION_URL", "revocation list URL, polled every --auth-revocation-poll", str(&c.Auth.RevocationURL, "")},
		{"auth-revocation-poll", "WEFT_AUTH_REVOCATION_POLL", "how often the revocation URL is polled", dur(&c.Auth.RevocationPoll, 5*time.Second)},
		{"require-auth", "WEFT_REQUIRE_AUTH", "refuse to start without an auth key configured (instead of serving everyone everything)", boolean(&c.Auth.RequireAuth)},
		{"log-level", "WEFT_LOG_LEVEL", "debug, info, warn or error", str(level, "info")},
		{"log-format", "WEFT_LOG_FORMAT", "text or json", str(&c.LogFormat, "text")},
		{"otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "OpenTelemetry collector (OTLP over HTTP, e.g. http://collector:4318) to send traces of REST requests and store commits to; empty (the default) records no traces", str(&c.OTLPEndpoint, "")},
		{"health-interval", "WEFT_HEALTH_INTERVAL", "how often the store and Redis are pinged for /readyz and the weft_dependency_up metric", dur(&c.HealthInterval, 5*time.Second)},
		{"check-config", "", "validate the configuration (flags, environment, URLs) and exit 0, or 1 with the problem; connects to nothing", boolean(&c.CheckConfig)},
	}, limitSettings(&c.Limits)...)
}

// errHelp is returned by parseConfig when --help was asked for; the usage
// has been written.
var errHelp = errors.New("help requested")

// parseConfig fills a Config from args (without the program name) and
// getenv. Flags given explicitly win over the environment.
func parseConfig(args []string, getenv func(string) string, usageOut io.Writer) (Config, error) {
	var c Config
	var origins, level string
	var al authLists
	fs := flag.NewFlagSet("weft", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	all := settings(&c, &origins, &level, &al)
	for _, s := range all {
		usage := s.usage
		if s.env != "" {
			usage += " (env " + s.env + ")"
		}
		s.bind(fs, s.flag, usage)
	}
	fs.Usage = func() {
		fmt.Fprintf(usageOut, "Usage: weft [flags]\n\nWeft serves collaborative documents over ShareDB's protocol, a REST API and the editor.\nEvery flag can also be set with the environment variable named in its description.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, s := range all {
		if s.env == "" {
			continue
		}
		if v := getenv(s.env); v != "" && !set[s.flag] {
			if err := fs.Set(s.flag, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
	}
	if err := c.finish(origins, level); err != nil {
		return c, err
	}
	return c, c.Auth.finish(al)
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (a *AuthConfig) finish(al authLists) error {
	for _, s := range splitList(al.secrets) {
		a.HMACSecrets = append(a.HMACSecrets, []byte(s))
	}
	a.PublicKeyFiles = splitList(al.publicKeys)
	a.Audience = splitList(al.audience)
	if a.Cookie == "off" {
		a.Cookie = ""
	}
	if a.QueryParam == "off" {
		a.QueryParam = ""
	}
	switch {
	case a.JWKSRefresh <= 0 || a.RevocationPoll <= 0:
		return errors.New("auth: refresh and poll intervals must be positive")
	case a.Leeway < 0:
		return errors.New("auth: leeway must not be negative")
	case a.Claim == "":
		return errors.New("auth: claim name must not be empty")
	case a.RevocationFile != "" && a.RevocationURL != "":
		return errors.New("auth: give --auth-revocation-file or --auth-revocation-url, not both")
	case (a.RevocationFile != "" || a.RevocationURL != "" || a.Issuer != "" || len(a.Audience) > 0) && !a.Enabled():
		return errors.New("auth: settings given but no key (--auth-hmac-secrets, --auth-hmac-secret-file, --auth-public-keys, --auth-jwks-file or --auth-jwks-url)")
	case a.RequireAuth && !a.Enabled():
		return errors.New("--require-auth is set but no auth key is configured: give --auth-hmac-secrets, --auth-hmac-secret-file, --auth-public-keys, --auth-jwks-file or --auth-jwks-url (or their WEFT_AUTH_* variables)")
	}
	return nil
}

func (c *Config) finish(origins, level string) error {
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if strings.Contains(o, "://") {
				u, err := url.Parse(o)
				if err != nil || u.Host == "" {
					return fmt.Errorf("allowed origin %q: want a host pattern such as example.com or *.example.com", o)
				}
				o = u.Host
			}
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	switch {
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	case c.MaxMessageBytes < 1024:
		return fmt.Errorf("max message bytes %d: must be at least 1024", c.MaxMessageBytes)
	case c.SendQueue < 1:
		return fmt.Errorf("send queue %d: must be at least 1", c.SendQueue)
	case c.SnapshotEvery < 1:
		return fmt.Errorf("snapshot every %d: must be at least 1", c.SnapshotEvery)
	case c.PingInterval <= 0 || c.PingTimeout <= 0 || c.DocIdleTimeout <= 0 || c.ShutdownTimeout <= 0 || c.HeadCheckEvery <= 0 || c.HealthInterval <= 0:
		return errors.New("durations must be positive")
	case c.DataDir == "":
		return errors.New("data dir must not be empty")
	case c.Store != "embedded" && c.Store != "memory":
		return fmt.Errorf("store %q: want embedded or memory", c.Store)
	case c.Compression != "no-context-takeover" && c.Compression != "context-takeover" && c.Compression != "off":
		return fmt.Errorf("compression %q: want no-context-takeover, context-takeover or off", c.Compression)
	case c.Store == "memory" && c.PostgresURL != "":
		return errors.New("--store memory and --postgres-url exclude each other")
	}
	if c.PprofAddr != "" {
		if err := checkLoopbackAddr(c.PprofAddr); err != nil {
			return fmt.Errorf("pprof addr: %w", err)
		}
	}
	if err := c.Limits.finish(c.MaxMessageBytes); err != nil {
		return err
	}
	return c.checkURLs()
}

// checkURLs parses the listen address and the URLs of Postgres, Redis and
// the trace collector, without connecting to anything.
func (c *Config) checkURLs() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q: %w", c.Addr, err)
	}
	if c.PostgresURL != "" {
		if _, err := pgconn.ParseConfig(c.PostgresURL); err != nil {
			return fmt.Errorf("postgres url: %w", err)
		}
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			return fmt.Errorf("redis url: %w", err)
		}
		if c.PostgresURL == "" {
			return errors.New("--redis-url needs --postgres-url: instances sharing edits over Redis must share one Postgres")
		}
	}
	if c.OTLPEndpoint != "" {
		u, err := url.Parse(c.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("otlp endpoint %q: want an http:// or https:// URL such as http://collector:4318", c.OTLPEndpoint)
		}
	}
	return nil
}

// checkLoopbackAddr accepts host:port addresses whose host is a loopback
// IP or localhost: profiles expose internals and must not be served
// beyond this machine.
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: host must be a loopback address", addr)
	}
	return nil
}
