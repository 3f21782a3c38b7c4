package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Location is where a blob URL says blocks live: a local directory (Dir) or
// an S3 bucket (S3, without credentials, which never appear in the URL).
type Location struct {
	// Dir is the local directory, when S3 is nil. Empty means the default
	// directory that Open is given.
	Dir string
	// S3 is the bucket and how to reach it, or nil for a directory.
	S3 *S3Config
}

// ParseURL reads a blob URL:
//
//	""                     the default directory (under the data directory)
//	file:///abs/path       a local directory elsewhere
//	s3://BUCKET?endpoint=http://HOST:PORT[&region=R][&prefix=P][&path_style=true|false][&timeout=30s]
//
// The endpoint's scheme (http or https) decides TLS; path_style defaults to
// true (http://HOST/BUCKET/KEY, what self-hosted servers expect); false
// addresses the bucket as a host name (http://BUCKET.HOST/KEY). Credentials are refused in
// the URL: they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Errors
// never repeat the URL's user information.
func ParseURL(raw string) (Location, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Location{}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URL, which may hold a secret.
		return Location{}, errors.New("not a URL: want s3://BUCKET?endpoint=... or file:///absolute/path")
	}
	if u.User != nil {
		return Location{}, errors.New("credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	switch u.Scheme {
	case "file":
		return parseFileURL(u)
	case "s3":
		c, err := parseS3URL(u)
		if err != nil {
			return Location{}, err
		}
		return Location{S3: &c}, nil
	default:
		return Location{}, fmt.Errorf("unsupported scheme %q: want s3://BUCKET?endpoint=... or file:///absolute/path", u.Scheme)
	}
}

func parseFileURL(u *url.URL) (Location, error) {
	if u.Opaque != "" || (u.Host != "" && u.Host != "localhost") || !filepath.IsAbs(u.Path) {
		return Location{}, errors.New("want file:///absolute/path")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Location{}, errors.New("a file URL takes no query or fragment")
	}
	return Location{Dir: filepath.Clean(u.Path)}, nil
}

func parseS3URL(u *url.URL) (S3Config, error) {
	c := S3Config{Bucket: u.Host, PathStyle: true}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return c, fmt.Errorf("bucket %q: %v", c.Bucket, err)
	}
	if u.Path != "" && u.Path != "/" {
		return c, fmt.Errorf("s3://%s%s: put a key prefix in prefix=, not in the path", c.Bucket, u.Path)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return c, fmt.Errorf("query: %v", err)
	}
	for name, values := range q {
		if len(values) != 1 {
			return c, fmt.Errorf("%s= is given %d times", name, len(values))
		}
		v := values[0]
		switch name {
		case "endpoint":
			e, err := url.Parse(v)
			if err == nil && e.User != nil {
				return c, errors.New("credentials do not belong in the endpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
			}
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" ||
				(e.Path != "" && e.Path != "/") || e.RawQuery != "" || e.Fragment != "" {
				return c, fmt.Errorf("endpoint=%s: want http://HOST[:PORT] or https://HOST[:PORT]", v)
			}
			c.Endpoint, c.Secure = e.Host, e.Scheme == "https"
		case "region":
			c.Region = v
		case "prefix":
			p := strings.Trim(v, "/")
			if p != "" {
				if err := checkKey(p); err != nil {
					return c, fmt.Errorf("prefix=%s: want a clean relative path such as tapedeck/blocks", v)
				}
				c.Prefix = p + "/"
			}
		case "path_style":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("path_style=%s: want true or false", v)
			}
			c.PathStyle = b
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("timeout=%s: want a positive duration such as 30s", v)
			}
			c.Timeout = d
		default:
			return c, fmt.Errorf("unknown parameter %s= (known: endpoint, region, prefix, path_style, timeout)", name)
		}
	}
	if c.Endpoint == "" {
		return c, errors.New("endpoint= is required, e.g. s3://BUCKET?endpoint=https://s3.eu-west-1.amazonaws.com")
	}
	return c, nil
}

// Open opens the store that rawURL names (see ParseURL). An empty URL is
// the directory defaultDir. An S3 store takes its credentials from getenv:
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (required), AWS_SESSION_TOKEN
// (optional), and AWS_REGION when the URL names no region (us-east-1 when
// neither does); its bucket is created if missing.
func Open(ctx context.Context, rawURL, defaultDir string, getenv func(string) string) (Backend, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if loc.S3 == nil {
		dir := loc.Dir
		if dir == "" {
			dir = defaultDir
		}
		return OpenDir(dir)
	}
	c, err := withCredentials(*loc.S3, getenv)
	if err != nil {
		return nil, err
	}
	return OpenS3(ctx, c)
}

// withCredentials completes c from the standard AWS variables.
func withCredentials(c S3Config, getenv func(string) string) (S3Config, error) {
	c.AccessKeyID = strings.TrimSpace(getenv("AWS_ACCESS_KEY_ID"))
	c.SecretAccessKey = strings.TrimSpace(getenv("AWS_SECRET_ACCESS_KEY"))
	c.SessionToken = strings.TrimSpace(getenv("AWS_SESSION_TOKEN"))
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, errors.New("an s3:// blob store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
	}
	if c.Region == "" {
		c.Region = strings.TrimSpace(getenv("AWS_REGION"))
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	return c, nil
}
