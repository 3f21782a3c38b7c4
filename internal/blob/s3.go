package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultS3Timeout bounds one S3 call when S3Config.Timeout is zero.
const DefaultS3Timeout = 30 * time.Second

// maxS3Object bounds what Get reads into memory; blocks are far smaller.
const maxS3Object = 1 << 30

// S3Config says how to reach a bucket. Credentials come from the
// environment (see Open), never from the blob URL.
type S3Config struct {
	// Endpoint is HOST[:PORT] of the S3 API; Secure selects https.
	Endpoint string
	Secure   bool
	// Bucket holds the blocks; it is created if missing.
	Bucket string
	// Prefix is put before every key; empty or ending in "/".
	Prefix string
	// Region signs requests and names the region of a created bucket.
	Region string
	// PathStyle addresses the bucket as http://HOST/BUCKET/KEY rather than
	// http://BUCKET.HOST/KEY.
	PathStyle bool
	// AccessKeyID, SecretAccessKey and the optional SessionToken sign
	// requests.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Timeout bounds one call (a put, a get, a delete); DefaultS3Timeout
	// when zero.
	Timeout time.Duration
}

// S3 is a Store in an S3-compatible bucket. An object is written with one
// PUT of known size and Content-MD5, and S3 acknowledges a PUT only once the
// object is stored, so Put returns only when the block is durable. Failures
// are returned, after at most one quick retry by the client, for the caller
// to report (capture answers 503).
type S3 struct {
	client    *minio.Client
	transport *http.Transport
	bucket    string
	prefix    string
	timeout   time.Duration
	desc      string
}

// OpenS3 connects to the bucket, creating it if missing. It fails when the
// server cannot be reached or refuses the credentials.
func OpenS3(ctx context.Context, c S3Config) (*S3, error) {
	s, err := newS3(c)
	if err != nil {
		return nil, err
	}
	if err := s.ensureBucket(ctx, c.Region); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// newS3 builds the client; it does not reach the server.
func newS3(c S3Config) (*S3, error) {
	if c.Timeout <= 0 {
		c.Timeout = DefaultS3Timeout
	}
	transport, err := minio.DefaultTransport(c.Secure)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupDNS
	if c.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		Secure:       c.Secure,
		Transport:    transport,
		Region:       c.Region,
		BucketLookup: lookup,
		// One retry, a fraction of a second later: enough for a dropped
		// keep-alive connection, not enough to hide an outage from capture.
		MaxRetries: 2,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 endpoint %s: %w", c.Endpoint, err)
	}
	scheme := "http"
	if c.Secure {
		scheme = "https"
	}
	s := &S3{client: client, transport: transport, bucket: c.Bucket, prefix: c.Prefix, timeout: c.Timeout,
		desc: fmt.Sprintf("s3 bucket %s at %s://%s, region %s", c.Bucket, scheme, c.Endpoint, c.Region)}
	if c.Prefix != "" {
		s.desc += ", under prefix " + c.Prefix
	}
	return s, nil
}

// ensureBucket creates the bucket unless it exists, tolerating another node
// creating it at the same moment.
func (s *S3) ensureBucket(ctx context.Context, region string) error {
	exists := func() (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		ok, err := s.client.BucketExists(ctx, s.bucket)
		if err != nil {
			return false, s.fail(ctx, "check bucket", s.bucket, err)
		}
		return ok, nil
	}
	if ok, err := exists(); ok || err != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.client.MakeBucket(mctx, s.bucket, minio.MakeBucketOptions{Region: region})
	switch minio.ToErrorResponse(err).Code {
	case "":
		if err != nil {
			return s.fail(mctx, "create bucket", s.bucket, err)
		}
		return nil
	case minio.BucketAlreadyOwnedByYou:
		return nil
	case minio.BucketAlreadyExists:
		// Created meanwhile by someone: usable if it is visible to us.
		if ok, err := exists(); ok || err != nil {
			return err
		}
		return fmt.Errorf("blob: %s: the bucket name is taken by another account", s.desc)
	default:
		return s.fail(mctx, "create bucket", s.bucket, err)
	}
}

// String describes the store for logs, without credentials.
func (s *S3) String() string { return s.desc }

// Close releases idle connections.
func (s *S3) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// call bounds one S3 call by the store's timeout.
func (s *S3) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// fail wraps an S3 error, saying so plainly when the call ran out of time
// or its caller gave up.
func (s *S3) fail(ctx context.Context, op, name string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %v", cerr, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("blob: %s: %s %s: no answer within %s: %w", s.desc, op, name, s.timeout, err)
	}
	return fmt.Errorf("blob: %s: %s %s: %w", s.desc, op, name, err)
}

// Put stores data under key with one PUT of its exact size.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.client.PutObject(cctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{
			ContentType:      "application/octet-stream",
			DisableMultipart: true,
			// A plain body checked by its Content-MD5, rather than the
			// aws-chunked encoding minio-go uses over http by default,
			// which some servers store or parse wrongly (an empty object
			// breaks versitygw's connection).
			SendContentMd5:       true,
			DisableContentSha256: true,
		})
	if err != nil {
		return s.fail(cctx, "put", key, err)
	}
	return nil
}

// Get reads the object under key, or returns ErrNotFound.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	obj, err := s.client.GetObject(cctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail(cctx, "get", key, err)
	}
	defer obj.Close()
	// The first read sends the GET (Stat would add a HEAD before it).
	data, err := io.ReadAll(io.LimitReader(obj, maxS3Object+1))
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, s.fail(cctx, "get", key, err)
	}
	if len(data) > maxS3Object {
		return nil, fmt.Errorf("blob: s3 get %s: object larger than %d bytes", key, maxS3Object)
	}
	return data, nil
}

// Delete removes the object under key; a missing key is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	err := s.client.RemoveObject(cctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return s.fail(cctx, "delete", key, err)
	}
	return nil
}
