package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8000" || c.DataDir != "./tapedeck-data" || c.MaxAPIBodyBytes != 1<<20 ||
		c.RateLimitPerMinute != 0 || c.RateLimitPerHour != 0 || c.ShutdownTimeout != 15*time.Second ||
		c.JobsInterval != time.Minute || c.SessionTTL != 14*24*time.Hour {
		t.Errorf("defaults: %+v", c)
	}
	if c.SQLitePath() != filepath.Join("tapedeck-data", "tapedeck.db") || c.BlobDir() != filepath.Join("tapedeck-data", "blobs") || c.BlobURL != "" {
		t.Errorf("paths: %s %s", c.SQLitePath(), c.BlobDir())
	}
}

func TestSettings(t *testing.T) {
	c, err := Load(env(map[string]string{
		"TAPEDECK_ADDR": "0.0.0.0:9000", "TAPEDECK_DATA_DIR": "/var/lib/tapedeck",
		"TAPEDECK_DATABASE_URL": "sqlite:///srv/meta.db", "TAPEDECK_LOG_LEVEL": "debug", "TAPEDECK_LOG_FORMAT": "json",
		"TAPEDECK_MAX_API_BODY_BYTES": "2048", "TAPEDECK_RATE_LIMIT_PER_MINUTE": "240",
		"TAPEDECK_RATE_LIMIT_PER_HOUR": "1200", "TAPEDECK_SHUTDOWN_TIMEOUT": "3s", "TAPEDECK_JOBS_INTERVAL": "10s",
		"TAPEDECK_SESSION_TTL": "720h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.SQLitePath() != "/srv/meta.db" || c.LogFormat != "json" || c.MaxAPIBodyBytes != 2048 ||
		c.RateLimitPerMinute != 240 || c.RateLimitPerHour != 1200 || c.ShutdownTimeout != 3*time.Second ||
		c.JobsInterval != 10*time.Second || c.SessionTTL != 720*time.Hour {
		t.Errorf("settings: %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	for name, value := range map[string]string{
		"TAPEDECK_ADDR":                  "8000",
		"TAPEDECK_LOG_LEVEL":             "loud",
		"TAPEDECK_LOG_FORMAT":            "xml",
		"TAPEDECK_MAX_API_BODY_BYTES":    "12",
		"TAPEDECK_RATE_LIMIT_PER_MINUTE": "-1",
		"TAPEDECK_RATE_LIMIT_PER_HOUR":   "many",
		"TAPEDECK_SHUTDOWN_TIMEOUT":      "soon",
		"TAPEDECK_JOBS_INTERVAL":         "-1m",
		"TAPEDECK_SESSION_TTL":           "14d",
		"TAPEDECK_DATABASE_URL":          "mysql://u:secret@db/tapedeck",
	} {
		checkInvalid(t, name, value)
	}
	for _, value := range []string{
		"postgres://u:secret@db",
		"postgresql://u:secret@db:5432/",
		"postgres://u:secret@db:port/x",
		"sqlite:",
		"mongodb://db/x?password=secret",
	} {
		checkInvalid(t, "TAPEDECK_DATABASE_URL", value)
	}
	for _, value := range []string{
		"/var/lib/blocks",
		"file:relative",
		"s3://blocks",
		"s3://blocks?endpoint=localhost:9000",
		"s3://Bad_Bucket?endpoint=http://localhost:9000",
		"s3://blocks?endpoint=http://localhost:9000&path_style=sometimes",
		"s3://AKIAEXAMPLE:secret@blocks?endpoint=http://localhost:9000",
		"s3://blocks?endpoint=https://key:secret@localhost:9000",
	} {
		checkInvalid(t, "TAPEDECK_BLOB_URL", value)
	}
}

// checkInvalid checks that Load refuses value for name, naming the variable
// and hiding any password.
func checkInvalid(t *testing.T, name, value string) {
	t.Helper()
	_, err := Load(env(map[string]string{name: value}))
	if err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("%s=%s: error %v does not name the variable", name, value, err)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("%s: error shows a password: %v", name, err)
	}
}

func TestBlobURL(t *testing.T) {
	for _, value := range []string{
		"file:///srv/tapedeck/blocks",
		"s3://tapedeck-blocks?endpoint=http://127.0.0.1:7070",
		"s3://tapedeck-blocks?endpoint=https://s3.eu-west-1.amazonaws.com&region=eu-west-1&prefix=replay&path_style=false&timeout=10s",
	} {
		c, err := Load(env(map[string]string{"TAPEDECK_BLOB_URL": " " + value + " "}))
		if err != nil || c.BlobURL != value {
			t.Errorf("TAPEDECK_BLOB_URL=%s: %q %v", value, c.BlobURL, err)
		}
	}
}

func TestSessionTTLBounds(t *testing.T) {
	for value, ok := range map[string]bool{
		"1m": true, "8760h": true, "336h": true, "59s": false, "8761h": false, "0": false, "-1h": false,
	} {
		c, err := Load(env(map[string]string{"TAPEDECK_SESSION_TTL": value}))
		if ok && err != nil {
			t.Errorf("TAPEDECK_SESSION_TTL=%s: %v", value, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "TAPEDECK_SESSION_TTL")) {
			t.Errorf("TAPEDECK_SESSION_TTL=%s: accepted as %s (error %v)", value, c.SessionTTL, err)
		}
	}
}

func TestDatabaseURL(t *testing.T) {
	for value, want := range map[string]string{
		"postgres://tapedeck:secret@db.internal:5432/tapedeck?sslmode=require": "postgres://…@db.internal:5432/tapedeck?sslmode=require",
		"postgresql://db/tapedeck?user=tapedeck&password=secret":               "postgresql://db/tapedeck?user=tapedeck&password=…",
		"postgres:///tapedeck?host=/run/postgresql":                            "postgres:///tapedeck?host=/run/postgresql",
	} {
		c, err := Load(env(map[string]string{"TAPEDECK_DATABASE_URL": value}))
		if err != nil || c.DatabaseURL != value || !c.Postgres() {
			t.Errorf("%s: %q postgres=%v %v", value, c.DatabaseURL, c.Postgres(), err)
		}
		if got := c.Database(); got != want {
			t.Errorf("%s: described as %q, want %q", value, got, want)
		}
	}
	c, err := Load(env(map[string]string{"TAPEDECK_DATABASE_URL": "sqlite:///srv/meta.db"}))
	if err != nil || c.Postgres() || c.Database() != "/srv/meta.db" {
		t.Errorf("sqlite: postgres=%v %q %v", c.Postgres(), c.Database(), err)
	}
}

func TestCompactAfter(t *testing.T) {
	for value, want := range map[string]time.Duration{
		"": time.Hour, "2s": 2 * time.Second, " 90m ": 90 * time.Minute, "off": 0, "0": 0, "0s": 0,
	} {
		c, err := Load(env(map[string]string{"TAPEDECK_COMPACT_AFTER": value}))
		if err != nil || c.CompactAfter != want {
			t.Errorf("TAPEDECK_COMPACT_AFTER=%q: %s %v, want %s", value, c.CompactAfter, err, want)
		}
	}
	for _, value := range []string{"-1h", "1d", "never", "OFF"} {
		checkInvalid(t, "TAPEDECK_COMPACT_AFTER", value)
	}
}
