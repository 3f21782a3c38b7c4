package blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/s3test"
)

var bucketSeq atomic.Int64

// newBucketName is a fresh bucket name for one test.
func newBucketName() string {
	return fmt.Sprintf("tapedeck-test-%d-%d", time.Now().UnixNano()%1e9, bucketSeq.Add(1))
}

// openTestS3 opens a store on srv for a fresh bucket, through Open as
// tapedeck serve does; extra is appended to the URL's query.
func openTestS3(t testing.TB, srv *s3test.Server, extra string) (Backend, string) {
	t.Helper()
	bucket := newBucketName()
	b, err := Open(context.Background(), srv.BlobURL(bucket)+extra, "", srv.Env(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, bucket
}

func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	testConformance(t, func(t *testing.T) Store {
		b, _ := openTestS3(t, srv, "")
		return b
	})
}

func TestS3Prefix(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	prefixed, bucket := openTestS3(t, srv, "&prefix=/tapedeck/blocks/")
	if !strings.Contains(prefixed.String(), "under prefix tapedeck/blocks/") {
		t.Errorf("description: %s", prefixed)
	}
	mustPut(t, prefixed, "1/s/a", []byte("in the prefix"))

	whole, err := Open(ctx, srv.BlobURL(bucket), "", srv.Env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	mustGet(t, whole, "tapedeck/blocks/1/s/a", []byte("in the prefix"))
	if _, err := whole.Get(ctx, "1/s/a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the key is also outside the prefix: %v", err)
	}
	if err := prefixed.Delete(ctx, "1/s/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := whole.Get(ctx, "tapedeck/blocks/1/s/a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete missed the prefixed object: %v", err)
	}
}

// Several nodes starting at once all create the same bucket; every one of
// them must open it.
func TestS3BucketCreatedOnceByConcurrentOpens(t *testing.T) {
	srv := s3test.Start(t)
	bucket := newBucketName()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := Open(context.Background(), srv.BlobURL(bucket), "", srv.Env(nil))
			if err == nil {
				err = b.Put(context.Background(), "probe", []byte("x"))
				b.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// And opening an existing bucket keeps what it holds.
	b, err := Open(context.Background(), srv.BlobURL(bucket), "", srv.Env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustGet(t, b, "probe", []byte("x"))
}

func TestS3OpenRefusesBadCredentials(t *testing.T) {
	srv := s3test.Start(t)
	env := func(name string) string {
		switch name {
		case "AWS_ACCESS_KEY_ID":
			return srv.AccessKey
		case "AWS_SECRET_ACCESS_KEY":
			return "not-the-secret-0123456789"
		}
		return ""
	}
	_, err := Open(context.Background(), srv.BlobURL(newBucketName()), "", env)
	if err == nil {
		t.Fatal("opened with a wrong secret")
	}
	if strings.Contains(err.Error(), "not-the-secret") || strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("the error shows a secret: %v", err)
	}
	t.Logf("wrong secret: %v", err)

	_, err = Open(context.Background(), srv.BlobURL(newBucketName()), "", func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("no credentials: %v", err)
	}
}

// A server that is down fails every call soon (one quick retry at most), and
// the store works again, without reopening, once the server is back.
func TestS3ServerDown(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	b, _ := openTestS3(t, srv, "")
	mustPut(t, b, "before", []byte("stored before the outage"))

	srv.Stop()
	start := time.Now()
	if err := b.Put(ctx, "during", []byte("x")); err == nil {
		t.Fatal("put succeeded with the server down")
	} else {
		t.Logf("put with the server down: %v", err)
	}
	if _, err := b.Get(ctx, "before"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("get with the server down: %v, want an error other than ErrNotFound", err)
	}
	if err := b.Delete(ctx, "before"); err == nil {
		t.Error("delete succeeded with the server down")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("three failing calls took %s: retries hide the outage", d)
	}
	if _, err := Open(ctx, srv.BlobURL(newBucketName()), "", srv.Env(nil)); err == nil {
		t.Error("opened a store on a server that is down")
	}

	srv.Restart()
	mustGet(t, b, "before", []byte("stored before the outage"))
	mustPut(t, b, "after", []byte("y"))
	mustGet(t, b, "after", []byte("y"))
	if _, err := b.Get(ctx, "during"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the failed put left something: %v", err)
	}
}

// A server that accepts connections but never answers costs one call its
// timeout, not forever.
func TestS3Timeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	env := func(name string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}[name]
	}
	start := time.Now()
	_, err = Open(context.Background(), "s3://silent?endpoint=http://"+ln.Addr().String()+"&timeout=300ms", "", env)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Errorf("open against a silent server: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("open took %s with a 300ms timeout", d)
	}

	// The same bound holds for every call of an open store.
	s := mustOpenSilent(t, ln.Addr().String())
	start = time.Now()
	if err := s.Put(context.Background(), "k", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("put against a silent server: %v", err)
	}
	if _, err := s.Get(context.Background(), "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("get against a silent server: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("put and get took %s with a 300ms timeout", d)
	}
}

// mustOpenSilent builds an S3 store on addr without the bucket check, which
// a silent server never answers.
func mustOpenSilent(t *testing.T, addr string) *S3 {
	t.Helper()
	loc, err := ParseURL("s3://silent?endpoint=http://" + addr + "&timeout=300ms")
	if err != nil {
		t.Fatal(err)
	}
	c := *loc.S3
	c.AccessKeyID, c.SecretAccessKey = "k", "s"
	s, err := newS3(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkS3 measures puts and gets against versitygw on loopback.
func BenchmarkS3(b *testing.B) {
	srv := s3test.Start(b)
	store, _ := openTestS3(b, srv, "")
	benchmarkStore(b, store)
}
