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
		c.JobsInterval != time.Minute {
		t.Errorf("defaults: %+v", c)
	}
	if c.SQLitePath() != filepath.Join("tapedeck-data", "tapedeck.db") || c.BlobDir() != filepath.Join("tapedeck-data", "blobs") {
		t.Errorf("paths: %s %s", c.SQLitePath(), c.BlobDir())
	}
}

func TestSettings(t *testing.T) {
	c, err := Load(env(map[string]string{
		"TAPEDECK_ADDR": "0.0.0.0:9000", "TAPEDECK_DATA_DIR": "/var/lib/tapedeck",
		"TAPEDECK_DATABASE_URL": "sqlite:///srv/meta.db", "TAPEDECK_LOG_LEVEL": "debug", "TAPEDECK_LOG_FORMAT": "json",
		"TAPEDECK_MAX_API_BODY_BYTES": "2048", "TAPEDECK_RATE_LIMIT_PER_MINUTE": "240",
		"TAPEDECK_RATE_LIMIT_PER_HOUR": "1200", "TAPEDECK_SHUTDOWN_TIMEOUT": "3s", "TAPEDECK_JOBS_INTERVAL": "10s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.SQLitePath() != "/srv/meta.db" || c.LogFormat != "json" || c.MaxAPIBodyBytes != 2048 ||
		c.RateLimitPerMinute != 240 || c.RateLimitPerHour != 1200 || c.ShutdownTimeout != 3*time.Second ||
		c.JobsInterval != 10*time.Second {
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
		"TAPEDECK_DATABASE_URL":          "postgres://u:secret@db/tapedeck",
	} {
		_, err := Load(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: error %v does not name the variable", name, value, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows a password: %v", name, err)
		}
	}
}
