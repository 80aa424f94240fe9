package register

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Revertible are the statuses a triage can be taken back from: the security team's decision to open
// or dismiss a draft. An assessed or closed incident is past the FG's answers and stays.
var Revertible = []Status{StatusOpen, StatusDismissed}

// RevertPrefix starts the reason of a history entry that took a triage back.
const RevertPrefix = "triage teruggedraaid: "

// Revert takes the security team's triage back: an open or dismissed incident becomes a draft
// again, with who and why in the history (the triage's own entry stays, so the history keeps both).
// Answers the FG gave on an open incident stay in the register and count again once it is opened.
func (r *Register) Revert(ctx context.Context, id, by, reason string) (*Incident, error) {
	if err := needWhoWhy(by, reason); err != nil {
		return nil, err
	}
	var in *Incident
	err := r.write(ctx, func(tx *sql.Tx, c *chain) error {
		var err error
		if in, err = r.get(ctx, tx, id); err != nil {
			return err
		}
		if !slices.Contains(Revertible, in.Status) {
			return fmt.Errorf("%w: %s is %s; only the triage of an open or dismissed incident can be reverted", ErrTransition, id, in.Status)
		}
		at := r.now()
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, updated_at = ? WHERE id = ?`, StatusDraft, nanos(at), id); err != nil {
			return fmt.Errorf("revert %s: %w", id, err)
		}
		if err := r.recordChange(ctx, tx, c, in, by, in.Status, StatusDraft, RevertPrefix+strings.TrimSpace(reason), at); err != nil {
			return err
		}
		in.Status = StatusDraft
		return r.enqueue(ctx, tx, in, false, nanos(at))
	})
	return in, err
}
