package register

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxItem is one queued delivery of an incident to a sink (a response hook, Elasticsearch).
type OutboxItem struct {
	ID        int64
	Sink      string
	Incident  string
	CreatedAt time.Time
	Attempts  int
	LastError string
}

// enqueue queues the incident for every sink that wants it, inside the transaction that changed it.
func (r *Register) enqueue(ctx context.Context, tx *sql.Tx, in *Incident, created bool, now int64) error {
	if r.outbox == nil {
		return nil
	}
	for _, sink := range r.outbox(in, created) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (sink, incident_id, created_at, next_at) VALUES (?, ?, ?, ?)`,
			sink, in.ID, now, now); err != nil {
			return fmt.Errorf("queue %s for %s: %w", in.ID, sink, err)
		}
	}
	return nil
}

// Due returns up to limit deliveries for sink whose time has come, oldest first.
func (r *Register) Due(ctx context.Context, sink string, now time.Time, limit int) ([]OutboxItem, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, sink, incident_id, created_at, attempts, last_error FROM outbox
		WHERE sink = ? AND done_at IS NULL AND failed = 0 AND next_at <= ? ORDER BY id LIMIT ?`, sink, nanos(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var created int64
		if err := rows.Scan(&it.ID, &it.Sink, &it.Incident, &created, &it.Attempts, &it.LastError); err != nil {
			return nil, err
		}
		it.CreatedAt = r.fromNanos(created)
		out = append(out, it)
	}
	return out, rows.Err()
}

// Delivered marks a delivery done.
func (r *Register) Delivered(ctx context.Context, id int64) error {
	return r.DeliveredAll(ctx, []int64{id})
}

// Retry records a failed attempt: the delivery is tried again at next, or, when give up is true,
// marked failed (visible in OutboxStats, tried no more).
func (r *Register) Retry(ctx context.Context, id int64, next time.Time, errText string, giveUp bool) error {
	failed := 0
	if giveUp {
		failed = 1
	}
	_, err := r.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ?, failed = ? WHERE id = ?`,
		nanos(next), errText, failed, id)
	return err
}

// OutboxCounts are one sink's deliveries.
type OutboxCounts struct {
	Pending   int // waiting (first try or a retry)
	Retrying  int // of the pending ones, tried at least once
	Failed    int // given up
	Delivered int
	// Oldest is when the oldest pending delivery was queued (zero when none).
	Oldest time.Time
}

// OutboxStats counts the deliveries per sink.
func (r *Register) OutboxStats(ctx context.Context) (map[string]OutboxCounts, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT sink,
		sum(done_at IS NULL AND failed = 0), sum(done_at IS NULL AND failed = 0 AND attempts > 0), sum(failed), sum(done_at IS NOT NULL),
		min(CASE WHEN done_at IS NULL AND failed = 0 THEN created_at END)
		FROM outbox GROUP BY sink`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]OutboxCounts{}
	for rows.Next() {
		var sink string
		var c OutboxCounts
		var oldest sql.NullInt64
		if err := rows.Scan(&sink, &c.Pending, &c.Retrying, &c.Failed, &c.Delivered, &oldest); err != nil {
			return nil, err
		}
		if oldest.Valid {
			c.Oldest = r.fromNanos(oldest.Int64)
		}
		out[sink] = c
	}
	return out, rows.Err()
}

// DeliveredAll marks many deliveries done in one transaction.
func (r *Register) DeliveredAll(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE outbox SET done_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`)
	if err != nil {
		return err
	}
	defer st.Close()
	now := nanos(r.now())
	for _, id := range ids {
		if _, err := st.ExecContext(ctx, now, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// RetryAll records a failed attempt for many deliveries: each is tried again at next(attempts so
// far), with errText; giveUp(attempts so far) marks it failed instead.
func (r *Register) RetryAll(ctx context.Context, items []OutboxItem, errText string, next func(attempts int) time.Time, giveUp func(attempts int) bool) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ?, failed = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, it := range items {
		failed := 0
		if giveUp(it.Attempts) {
			failed = 1
		}
		if _, err := st.ExecContext(ctx, nanos(next(it.Attempts)), errText, failed, it.ID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// OutboxEpoch is when this register queued its first delivery (the zero time before any): a moment
// fixed for the life of a register and later for a register made after it (a reset, a reinstall).
// A sink that needs versions growing across registers (Elasticsearch's external versions) combines
// it with OutboxItem.ID. Outbox rows are never deleted, so the first one stays.
func (r *Register) OutboxEpoch(ctx context.Context) (time.Time, error) {
	var at sql.NullInt64
	err := r.db.QueryRowContext(ctx, `SELECT created_at FROM outbox ORDER BY id LIMIT 1`).Scan(&at)
	if err == sql.ErrNoRows || err == nil && !at.Valid {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("outbox epoch: %w", err)
	}
	return r.fromNanos(at.Int64), nil
}
