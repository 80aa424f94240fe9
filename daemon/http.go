package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/server"
)

// httpSide is the daemon's listener and what it serves.
type httpSide struct {
	ln     net.Listener
	tokens atomic.Pointer[server.Tokens]
	file   string

	mu     sync.Mutex
	loaded fileStamp // of the tokens file as last loaded (or found missing)
}

// fileStamp tells a file's versions apart: a rewrite (tokens add, tokens revoke: a new inode),
// an edit in place (size, modification time), its removal.
type fileStamp struct {
	exists bool
	ino    uint64
	size   int64
	mtime  time.Time
}

func stampOf(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	s := fileStamp{exists: true, size: st.Size(), mtime: st.ModTime()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		s.ino = sys.Ino
	}
	return s
}

// tokensChanged says whether the tokens file on disk is another than the one last loaded.
func (h *httpSide) tokensChanged() bool {
	if h.file == "" {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return stampOf(h.file) != h.loaded
}

// openHTTP binds http.listen (TLS when a certificate is configured) and loads the tokens file, so
// that a port in use, a broken certificate or a broken tokens file stops start-up.
func openHTTP(cfg *config.Config, log *slog.Logger) (*httpSide, error) {
	if cfg.HTTP.Listen == "" {
		return nil, nil
	}
	h := &httpSide{file: cfg.HTTP.TokensFile}
	if err := h.loadTokens(log); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w (another lekwacht running? set http.listen to a free address, or to \"\" to switch the HTTP server off)", cfg.HTTP.Listen, err)
	}
	if cfg.HTTP.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("http.tls_cert/http.tls_key: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	h.ln = ln
	return h, nil
}

// loadTokens reads the tokens file; a missing file means no tokens (every API request is refused),
// a broken one is an error and the tokens in force stay.
func (h *httpSide) loadTokens(log *slog.Logger) error {
	if h.file == "" {
		log.Warn("http.tokens_file is not set: the API and the web page refuse every request")
		return nil
	}
	stamp := stampOf(h.file) // before reading: a change while reading is seen at the next look
	h.mu.Lock()
	h.loaded = stamp
	h.mu.Unlock()
	t, err := server.LoadTokens(h.file)
	if errors.Is(err, os.ErrNotExist) {
		log.Warn("tokens file not found: the API and the web page refuse every request until it exists (lekwacht tokens add)", "file", h.file)
		return nil
	}
	if err != nil {
		return err
	}
	h.tokens.Store(t)
	return nil
}

// Addr is the address the HTTP server listens on ("" when it is off).
func (d *Daemon) Addr() string {
	if d.http == nil {
		return ""
	}
	return d.http.ln.Addr().String()
}

// serveHTTP serves /healthz, /metrics, the API and the web page until ctx ends, then shuts down.
func (d *Daemon) serveHTTP(ctx context.Context) error {
	s := server.New(server.Options{Register: d.det.reg, Tokens: d.http.tokens.Load, Metrics: d.Metrics(),
		Organisation: d.cfg.Organisation, Log: d.log, Health: d.health, Degraded: d.degraded, Report: d.report, People: d.people(),
		TokenUsed: func(name string) { d.tokenUse.note(name, d.now()) }})
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 5 * time.Minute,
		ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(d.http.ln) }()
	d.log.Info("http listening", "addr", d.Addr())
	select {
	case err := <-done:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// people is the server's person view over the pipeline's directory (reloaded with it), with a
// Resolver of its own: the pipeline's is not safe for use from the HTTP handlers.
func (d *Daemon) people() *people.Finder {
	if d.det.dir == nil {
		return people.New(d.det.reg, nil, nil, d.cfg.Identity.RelatedWithin)
	}
	return people.New(d.det.reg, newResolver(d.cfg, d.det.dir), d.det.dir.Current, d.cfg.Identity.RelatedWithin)
}

// health is /healthz: unhealthy when the last checkpoint is older than a few periods (the pipeline
// is stuck or the register's disk refuses writes).
func (d *Daemon) health() error {
	if why := d.writeFailure.Load(); why != nil {
		return fmt.Errorf("cannot write, positions held: %s", *why)
	}
	last := d.lastCheckpoint.Load()
	if last == 0 {
		return nil // starting
	}
	if age := time.Since(time.Unix(0, last)); age > 10*CheckpointEvery {
		return fmt.Errorf("no checkpoint for %s", age.Round(time.Second))
	}
	return nil
}
