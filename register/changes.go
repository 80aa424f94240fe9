package register

import (
	"context"
	"fmt"
)

// StatusChange is one step of an incident's lifecycle as the history records it, whoever made it
// (run, the API, the web page, the incidents command), for the daemon's log. Seq orders the steps.
type StatusChange struct {
	Seq      int64
	Incident string
	Detector string
	Severity string
	Change
}

// LastChange is the Seq of the newest status change (0: none yet).
func (r *Register) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := r.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM history`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("last status change: %w", err)
	}
	return seq, nil
}

// ChangesSince returns up to limit status changes after seq, oldest first. A correction (a history
// entry that leaves the status as it was) is not a status change and is left out.
func (r *Register) ChangesSince(ctx context.Context, seq int64, limit int) ([]StatusChange, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT h.id, h.incident_id, i.detector, i.severity, h.at, h.by, h.from_status, h.to_status, h.reason
		FROM history h JOIN incidents i ON i.id = h.incident_id WHERE h.id > ? AND h.from_status != h.to_status ORDER BY h.id LIMIT ?`, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("status changes: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		var at int64
		if err := rows.Scan(&c.Seq, &c.Incident, &c.Detector, &c.Severity, &at, &c.By, &c.From, &c.To, &c.Reason); err != nil {
			return nil, fmt.Errorf("status changes: %w", err)
		}
		c.At = r.fromNanos(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
