package register

import (
	"context"
	"fmt"
	"strings"
)

// IDPrefix is what every incident id discovered in year starts with ("LW-2026-", or with the
// instance "LW-GEM1-2026-"); the six-digit number follows it.
func (r *Register) IDPrefix(year int) string {
	return strings.TrimSuffix(fmt.Sprintf(r.idFmt, year, 0), "000000")
}

// Year is the year a draft discovered now is numbered in (the register's clock and zone).
func (r *Register) Year() int { return r.now().In(r.loc).Year() }

// ContinueIDs makes the next incident of year get a number above last: a register that was reset
// or installed afresh, while the index still holds incidents up to last of the same instance and
// year, then does not reuse their ids. The counter only grows; it reports whether it moved.
func (r *Register) ContinueIDs(ctx context.Context, year int, last int64) (bool, error) {
	if last <= 0 {
		return false, nil
	}
	res, err := r.db.ExecContext(ctx, `INSERT INTO id_counters (year, last) VALUES (?, ?)
		ON CONFLICT (year) DO UPDATE SET last = excluded.last WHERE excluded.last > last`, year, last)
	if err != nil {
		return false, fmt.Errorf("continue incident ids of %d after %d: %w", year, last, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
