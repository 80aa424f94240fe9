// Package register is the datalekregister: draft incidents opened from hits, their preserved and
// hash-chained evidence, the lifecycle with who, when and why, the assessment and the access log.
package register

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the embedded SQL engine, pure Go
)

// Deadline is the time the AVG gives to report a datalek to the AP after discovery (art. 33).
const Deadline = 72 * time.Hour

// Files in the register directory.
const (
	DBFile      = "register.db"
	EvidenceDir = "evidence"
)

// Options tune a register.
type Options struct {
	// Now is the clock for discovered_at, history and access records; time.Now when nil.
	Now func() time.Time
	// Location is the zone times are shown in; time.Local when nil.
	Location *time.Location
	// Outbox names the sinks that want an incident delivered after a change by Add (created: it was
	// opened by that Add). Their deliveries are queued in the same transaction (see Due).
	Outbox func(in *Incident, created bool) []string
	// BusyTimeout is how long a write waits for another process's lock (default 30 s) before it
	// fails with SQLITE_BUSY.
	BusyTimeout time.Duration
	// Instance goes into every new incident id (LW-<INSTANCE>-2026-000001), so several registers
	// feeding one Elasticsearch never hand out the same id.
	Instance string
}

// Register is an open datalekregister. It is safe for concurrent use, also by several processes.
type Register struct {
	db     *sql.DB
	dir    string
	now    func() time.Time
	loc    *time.Location
	outbox func(in *Incident, created bool) []string
	idFmt  string // fmt of a new incident id: year, number
}

// Open opens (creating when needed) the register in dir and brings its schema up to date.
func Open(ctx context.Context, dir string, opts Options) (*Register, error) {
	return open(ctx, dir, opts, SchemaVersion)
}

func open(ctx context.Context, dir string, opts Options, version int) (*Register, error) {
	if dir == "" {
		return nil, errors.New("register.dir is empty")
	}
	began := time.Now()
	if err := os.MkdirAll(filepath.Join(dir, EvidenceDir), 0o700); err != nil {
		return nil, fmt.Errorf("create register: %w", err)
	}
	path := filepath.Join(dir, DBFile)
	// Create the file first so SQLite (and its -wal and -shm files, which copy the mode) is 0600.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open register: %w", err)
	}
	f.Close()
	q := url.Values{}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 30 * time.Second
	}
	for _, p := range []string{fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()), "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)", "cache_size(-65536)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate") // writers take the lock up front: the chain head cannot move under them
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open register %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	r := &Register{db: db, dir: dir, now: opts.Now, loc: opts.Location, outbox: opts.Outbox}
	r.idFmt = "LW-%d-%06d"
	if opts.Instance != "" {
		r.idFmt = "LW-" + strings.ToUpper(opts.Instance) + "-%d-%06d"
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.loc == nil {
		r.loc = time.Local
	}
	// Switching a new file to WAL takes an exclusive lock without waiting on the busy handler, so
	// processes opening a fresh register at once may see SQLITE_BUSY here: try again for a while.
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := db.PingContext(ctx)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "SQLITE_BUSY") || wait >= time.Second && time.Since(began) > 30*time.Second {
			db.Close()
			return nil, fmt.Errorf("open register %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	if err := migrate(ctx, db, version); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Close closes the database.
func (r *Register) Close() error { return r.db.Close() }

// Dir is the register's directory.
func (r *Register) Dir() string { return r.dir }

// write runs fn in one write transaction with the chain opened at its head.
func (r *Register) write(ctx context.Context, fn func(tx *sql.Tx, c *chain) error) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin register transaction: %w", err)
	}
	defer tx.Rollback()
	c, err := openChain(ctx, tx)
	if err != nil {
		return err
	}
	defer c.close()
	if err := fn(tx, c); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit register transaction: %w", err)
	}
	return nil
}

// nanos and fromNanos store times as Unix nanoseconds.
func nanos(t time.Time) int64 { return t.UnixNano() }

func (r *Register) fromNanos(n int64) time.Time { return time.Unix(0, n).In(r.loc) }
