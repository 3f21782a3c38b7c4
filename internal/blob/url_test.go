package blob

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		url  string
		want Location
	}{
		{"", Location{}},
		{"  ", Location{}},
		{"file:///var/lib/tapedeck/blocks", Location{Dir: "/var/lib/tapedeck/blocks"}},
		{"file://localhost/srv/blocks/", Location{Dir: "/srv/blocks"}},
		{"s3://blocks?endpoint=http://127.0.0.1:9000", Location{S3: &S3Config{
			Endpoint: "127.0.0.1:9000", Bucket: "blocks", PathStyle: true}}},
		{"s3://tapedeck-prod?endpoint=https://s3.eu-west-1.amazonaws.com&region=eu-west-1&prefix=replay/blocks&path_style=false&timeout=10s",
			Location{S3: &S3Config{Endpoint: "s3.eu-west-1.amazonaws.com", Secure: true, Bucket: "tapedeck-prod",
				Region: "eu-west-1", Prefix: "replay/blocks/", Timeout: 10 * time.Second}}},
		{"s3://b12?endpoint=https://minio.internal:9443/&prefix=/", Location{S3: &S3Config{
			Endpoint: "minio.internal:9443", Secure: true, Bucket: "b12", PathStyle: true}}},
	}
	for _, c := range cases {
		got, err := ParseURL(c.url)
		if err != nil {
			t.Errorf("%q: %v", c.url, err)
			continue
		}
		if got.Dir != c.want.Dir || (got.S3 == nil) != (c.want.S3 == nil) || (got.S3 != nil && *got.S3 != *c.want.S3) {
			t.Errorf("%q: got %+v %+v, want %+v %+v", c.url, got, got.S3, c.want, c.want.S3)
		}
	}
}

func TestParseURLRefuses(t *testing.T) {
	for _, c := range []struct{ url, says string }{
		{"/var/lib/blocks", "scheme"},
		{"ftp://host/x", "unsupported scheme"},
		{"gs://bucket", "unsupported scheme"},
		{"file:relative/dir", "file:///absolute/path"},
		{"file://host/dir", "file:///absolute/path"},
		{"file:///dir?sync=1", "no query"},
		{"s3://", "bucket"},
		{"s3://Bad_Bucket?endpoint=http://h:9000", "bucket"},
		{"s3://ab?endpoint=http://h:9000", "bucket"},
		{"s3://blocks", "endpoint= is required"},
		{"s3://blocks/some/prefix?endpoint=http://h:9000", "prefix="},
		{"s3://blocks?endpoint=h:9000", "endpoint=h:9000"},
		{"s3://blocks?endpoint=ftp://h", "endpoint="},
		{"s3://blocks?endpoint=http://h:9000/path", "endpoint="},
		{"s3://blocks?endpoint=http://h:9000&path_style=maybe", "path_style"},
		{"s3://blocks?endpoint=http://h:9000&timeout=soon", "timeout"},
		{"s3://blocks?endpoint=http://h:9000&timeout=-1s", "timeout"},
		{"s3://blocks?endpoint=http://h:9000&prefix=a/../b", "prefix"},
		{"s3://blocks?endpoint=http://h:9000&regoin=eu", "unknown parameter regoin="},
		{"s3://blocks?endpoint=http://h:9000&region=a&region=b", "2 times"},
		{"s3://AKIAEXAMPLE:supersecret@blocks?endpoint=http://h:9000", "AWS_ACCESS_KEY_ID"},
		{"s3://blocks?endpoint=http://user:supersecret@h:9000", "AWS_SECRET_ACCESS_KEY"},
		{"s3://blocks?endpoint=http://h:9000%zz", ""},
	} {
		_, err := ParseURL(c.url)
		if err == nil {
			t.Errorf("%q accepted", c.url)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: error %q does not say %q", c.url, err, c.says)
		}
		if strings.Contains(err.Error(), "supersecret") {
			t.Errorf("%q: error shows the secret: %v", c.url, err)
		}
	}
}

func TestOpenDirectories(t *testing.T) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	def := filepath.Join(t.TempDir(), "blobs")
	b, err := Open(ctx, "", def, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if d, ok := b.(*Dir); !ok || d.Path() != def || b.String() != "directory "+def {
		t.Errorf("default: %T %s", b, b)
	}
	elsewhere := filepath.Join(t.TempDir(), "other")
	b2, err := Open(ctx, "file://"+elsewhere, def, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if d, ok := b2.(*Dir); !ok || d.Path() != elsewhere {
		t.Errorf("file URL: %T %s", b2, b2)
	}
	if _, err := Open(ctx, "file:relative", def, noEnv); err == nil {
		t.Error("a relative file URL was opened")
	}
}

func TestOpenS3Settings(t *testing.T) {
	ctx := context.Background()
	// Checks that fail before any connection is tried.
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env  map[string]string
		says string
	}{
		{nil, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{map[string]string{"AWS_ACCESS_KEY_ID": "k"}, "AWS_SECRET_ACCESS_KEY"},
		{map[string]string{"AWS_SECRET_ACCESS_KEY": "hidden-secret"}, "AWS_ACCESS_KEY_ID"},
	} {
		_, err := Open(ctx, "s3://blocks?endpoint=http://127.0.0.1:1", "", env(c.env))
		if err == nil || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "hidden-secret") {
			t.Errorf("%v: %v", c.env, err)
		}
	}

	base, err := ParseURL("s3://blocks?endpoint=http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"}
	c, err := withCredentials(*base.S3, env(creds))
	if err != nil || c.AccessKeyID != "id" || c.SecretAccessKey != "secret" || c.SessionToken != "token" || c.Region != "us-east-1" {
		t.Errorf("credentials, default region: %+v %v", c, err)
	}
	creds["AWS_REGION"] = "eu-central-1"
	if c, _ := withCredentials(*base.S3, env(creds)); c.Region != "eu-central-1" {
		t.Errorf("AWS_REGION: %q", c.Region)
	}
	inURL, _ := ParseURL("s3://blocks?endpoint=http://127.0.0.1:1&region=auto")
	if c, _ := withCredentials(*inURL.S3, env(creds)); c.Region != "auto" {
		t.Errorf("the URL's region does not win over AWS_REGION: %q", c.Region)
	}
}
