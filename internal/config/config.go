// Package config reads Tapedeck's settings from TAPEDECK_* environment
// variables into one typed, validated Config.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/blob"
)

// Config holds every setting of a Tapedeck process.
type Config struct {
	// Addr is the host:port the HTTP server listens on (TAPEDECK_ADDR).
	Addr string
	// DataDir holds the embedded store: the SQLite file and the blob
	// directory (TAPEDECK_DATA_DIR).
	DataDir string
	// DatabaseURL selects the metadata store (TAPEDECK_DATABASE_URL). Empty
	// means the SQLite file tapedeck.db in DataDir; sqlite:PATH another
	// SQLite file; postgres://USER:PASSWORD@HOST:PORT/DATABASE (or
	// postgresql://) a PostgreSQL database.
	DatabaseURL string
	// BlobURL selects the blob store (TAPEDECK_BLOB_URL): empty means the
	// directory blobs in DataDir; file:///abs/path a directory elsewhere;
	// s3://BUCKET?endpoint=http://HOST:PORT[&region=R][&prefix=P][&path_style=true|false][&timeout=30s]
	// an S3-compatible bucket, with credentials from AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY (see blob.ParseURL and blob.Open).
	BlobURL string
	// LogLevel is debug, info, warn or error (TAPEDECK_LOG_LEVEL).
	LogLevel string
	// LogFormat is text or json (TAPEDECK_LOG_FORMAT).
	LogFormat string
	// MaxAPIBodyBytes caps the body of an API request (TAPEDECK_MAX_API_BODY_BYTES).
	MaxAPIBodyBytes int64
	// MaxCaptureBodyBytes caps a capture request as it arrives
	// (TAPEDECK_MAX_CAPTURE_BODY_BYTES).
	MaxCaptureBodyBytes int64
	// MaxDecompressedBytes caps a capture request once inflated
	// (TAPEDECK_MAX_DECOMPRESSED_BYTES).
	MaxDecompressedBytes int64
	// RateLimitPerMinute and RateLimitPerHour cap requests per personal API
	// key; 0 turns a limit off (TAPEDECK_RATE_LIMIT_PER_MINUTE, TAPEDECK_RATE_LIMIT_PER_HOUR).
	RateLimitPerMinute int
	RateLimitPerHour   int
	// JobsInterval is the time between two runs of the background jobs:
	// the retention purge, the sessions purge, the playlist counts refresh
	// and compaction (TAPEDECK_JOBS_INTERVAL).
	JobsInterval time.Duration
	// CompactAfter is how long a recording must have received nothing
	// before the background jobs compact its blocks
	// (TAPEDECK_COMPACT_AFTER); 0 (also written "off") turns compaction off.
	CompactAfter time.Duration
	// ShutdownTimeout bounds a graceful shutdown (TAPEDECK_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// SessionTTL is how long a web UI sign-in lasts (TAPEDECK_SESSION_TTL),
	// from one minute to a year.
	SessionTTL time.Duration
}

// Session lifetime bounds and default.
const (
	defaultSessionTTL = 14 * 24 * time.Hour
	minSessionTTL     = time.Minute
	maxSessionTTL     = 365 * 24 * time.Hour
)

// Load builds a Config from getenv, applying defaults and validating every
// value. The error names the offending variable.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            "127.0.0.1:8000",
		DataDir:         "./tapedeck-data",
		LogLevel:        "info",
		LogFormat:       "text",
		MaxAPIBodyBytes: 1 << 20,

		MaxCaptureBodyBytes:  20 << 20,
		MaxDecompressedBytes: 64 << 20,
		ShutdownTimeout:      15 * time.Second,
		JobsInterval:         time.Minute,
		CompactAfter:         time.Hour,
		SessionTTL:           defaultSessionTTL,
	}
	var errs []error
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int64, min int64) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			errs = append(errs, fmt.Errorf("%s: want a whole number of at least %d, got %q", name, min, v))
			return
		}
		*dst = n
	}
	str("TAPEDECK_ADDR", &c.Addr)
	str("TAPEDECK_DATA_DIR", &c.DataDir)
	str("TAPEDECK_DATABASE_URL", &c.DatabaseURL)
	str("TAPEDECK_BLOB_URL", &c.BlobURL)
	str("TAPEDECK_LOG_LEVEL", &c.LogLevel)
	str("TAPEDECK_LOG_FORMAT", &c.LogFormat)
	num("TAPEDECK_MAX_API_BODY_BYTES", &c.MaxAPIBodyBytes, 1024)
	num("TAPEDECK_MAX_CAPTURE_BODY_BYTES", &c.MaxCaptureBodyBytes, 1024)
	num("TAPEDECK_MAX_DECOMPRESSED_BYTES", &c.MaxDecompressedBytes, 1024)
	var perMinute, perHour int64
	num("TAPEDECK_RATE_LIMIT_PER_MINUTE", &perMinute, 0)
	num("TAPEDECK_RATE_LIMIT_PER_HOUR", &perHour, 0)
	c.RateLimitPerMinute, c.RateLimitPerHour = int(perMinute), int(perHour)
	duration := func(name string, dst *time.Duration) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as 15s, got %q", name, v))
			return
		}
		*dst = d
	}
	duration("TAPEDECK_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	duration("TAPEDECK_JOBS_INTERVAL", &c.JobsInterval)
	duration("TAPEDECK_SESSION_TTL", &c.SessionTTL)
	switch v := strings.TrimSpace(getenv("TAPEDECK_COMPACT_AFTER")); v {
	case "":
	case "off":
		c.CompactAfter = 0
	default:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("TAPEDECK_COMPACT_AFTER: want a positive duration such as 1h, or off, got %q", v))
		} else {
			c.CompactAfter = d
		}
	}
	if c.SessionTTL < minSessionTTL || c.SessionTTL > maxSessionTTL {
		errs = append(errs, fmt.Errorf("TAPEDECK_SESSION_TTL: want a duration from 1m to 8760h, got %q", getenv("TAPEDECK_SESSION_TTL")))
	}

	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("TAPEDECK_ADDR: want host:port, got %q", c.Addr))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("TAPEDECK_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("TAPEDECK_LOG_FORMAT: want text or json, got %q", c.LogFormat))
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, fmt.Errorf("TAPEDECK_DATABASE_URL: %v, got %q", err, redact(c.DatabaseURL)))
	}
	if _, err := blob.ParseURL(c.BlobURL); err != nil {
		errs = append(errs, fmt.Errorf("TAPEDECK_BLOB_URL: %v", err))
	}
	return c, errors.Join(errs...)
}

// checkDatabaseURL checks the form of TAPEDECK_DATABASE_URL.
func checkDatabaseURL(v string) error {
	switch {
	case v == "":
		return nil
	case strings.HasPrefix(v, "sqlite:"):
		if strings.TrimPrefix(strings.TrimPrefix(v, "sqlite:"), "//") == "" {
			return errors.New("sqlite: needs the path of the database file")
		}
		return nil
	case strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://"):
		u, err := url.Parse(v)
		if err != nil {
			return errors.New("not a valid URL")
		}
		if strings.Trim(u.Path, "/") == "" {
			return errors.New("names no database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
		}
		return nil
	}
	return errors.New("want sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
}

// Postgres reports whether the metadata store is a PostgreSQL database.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// Database describes the metadata store for logs: the SQLite file, or the
// PostgreSQL URL without its password.
func (c Config) Database() string {
	if c.Postgres() {
		return redact(c.DatabaseURL)
	}
	return c.SQLitePath()
}

// SQLitePath is the SQLite file of the metadata store.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok {
		return strings.TrimPrefix(p, "//")
	}
	return filepath.Join(c.DataDir, "tapedeck.db")
}

// BlobDir is the directory of the embedded blob store, used when BlobURL
// is empty.
func (c Config) BlobDir() string { return filepath.Join(c.DataDir, "blobs") }

// redact hides the credentials of a URL-looking string: its user
// information and any password parameter.
func redact(s string) string {
	if at := strings.LastIndex(s, "@"); at > 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			s = s[:scheme+3] + "…" + s[at:]
		}
	}
	if q := strings.Index(s, "?"); q >= 0 {
		params := strings.Split(s[q+1:], "&")
		for i, p := range params {
			if name, _, _ := strings.Cut(p, "="); strings.EqualFold(name, "password") {
				params[i] = name + "=…"
			}
		}
		s = s[:q+1] + strings.Join(params, "&")
	}
	return s
}
