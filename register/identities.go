package register

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// UnresolvedIdentity is an identifier (account, address, SID, number) that an input wrote and no
// one in the directory has: an account nobody owns, a function mailbox, a leaver removed too early.
type UnresolvedIdentity struct {
	Identifier string    `json:"identifier"`
	Input      string    `json:"input"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Events     int64     `json:"events"`
}

// NoteUnresolved adds sightings of unresolved identifiers to the list: the times widen, the events add up.
func (r *Register) NoteUnresolved(ctx context.Context, ids []UnresolvedIdentity) error {
	if len(ids) == 0 {
		return nil
	}
	return r.write(ctx, func(tx *sql.Tx, _ *chain) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO unresolved_identities (identifier, input, first_seen, last_seen, events)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (identifier, input) DO UPDATE SET
			first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
			events = events + excluded.events`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, u := range ids {
			if _, err := st.ExecContext(ctx, u.Identifier, u.Input, nanos(u.FirstSeen), nanos(u.LastSeen), u.Events); err != nil {
				return fmt.Errorf("note unresolved identity: %w", err)
			}
		}
		return nil
	})
}

// Unresolved lists the unresolved identifiers, most events first.
func (r *Register) Unresolved(ctx context.Context) ([]UnresolvedIdentity, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT identifier, input, first_seen, last_seen, events FROM unresolved_identities
		ORDER BY events DESC, identifier, input`)
	if err != nil {
		return nil, fmt.Errorf("list unresolved identities: %w", err)
	}
	defer rows.Close()
	out := []UnresolvedIdentity{}
	for rows.Next() {
		var u UnresolvedIdentity
		var first, last int64
		if err := rows.Scan(&u.Identifier, &u.Input, &first, &last, &u.Events); err != nil {
			return nil, err
		}
		u.FirstSeen, u.LastSeen = r.fromNanos(first), r.fromNanos(last)
		out = append(out, u)
	}
	return out, rows.Err()
}
