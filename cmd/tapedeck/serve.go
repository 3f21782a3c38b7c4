package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/config"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/jobs"
	"github.com/tapedeck/tapedeck/internal/playlist"
	"github.com/tapedeck/tapedeck/internal/store"
)

// serve runs the HTTP server until ctx is cancelled, then shuts it down
// gracefully. getenv supplies the S3 credentials of an s3:// blob store.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, getenv func(string) string) error {
	setMemoryLimit(log, getenv("GOMEMLIMIT"))
	blobs, err := blob.Open(ctx, cfg.BlobURL, cfg.BlobDir(), getenv)
	if err != nil {
		return fmt.Errorf("open the blob store (TAPEDECK_BLOB_URL): %w", err)
	}
	defer blobs.Close()
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer st.Close()
	version, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	log.Info("store ready", "database", cfg.Database(), "blobs", blobs.String(), "schema_version", version)

	project, created, err := account.Service{Store: st, Now: time.Now}.EnsureDefaults(ctx)
	if err != nil {
		return fmt.Errorf("create default project: %w", err)
	}
	if created {
		log.Info("created a default organization and project",
			"project_id", project.ID, "project_api_token", project.APIToken,
			"next", "tapedeck user create --email you@example.com && tapedeck apikey create --user you@example.com")
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: httpapi.New(httpapi.Options{
			Store:              st,
			Log:                log,
			MaxBodyBytes:       cfg.MaxAPIBodyBytes,
			RateLimitPerMinute: cfg.RateLimitPerMinute,
			RateLimitPerHour:   cfg.RateLimitPerHour,
			SessionTTL:         cfg.SessionTTL,
			Blobs:              blobs,
			CaptureLimits: httpapi.CaptureLimits{
				MaxBodyBytes:         cfg.MaxCaptureBodyBytes,
				MaxDecompressedBytes: cfg.MaxDecompressedBytes,
			},
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		playlists := playlist.Service{Store: st, Now: time.Now}
		(&jobs.Runner{Store: st, Blobs: blobs, Log: log, Now: time.Now, Every: cfg.JobsInterval,
			Refresh:      func(ctx context.Context) error { return playlists.RefreshCounts(ctx, log) },
			CompactAfter: cfg.CompactAfter}).Run(jobsCtx)
	}()
	defer func() {
		stopJobs()
		<-jobsDone
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
