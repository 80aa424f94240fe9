package register

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The incidents of one person: their timeline, the incidents related to one of them, and the
// access log of person views. The register knows users (the names incidents carry, since identity
// resolution the person's directory account), not people: the caller (package people) says which
// names are one person's.

// UserIncidents returns every incident (any status, also drafts and dismissed ones) whose user is
// one of names, ignoring ASCII case, oldest first (first_seen, then id): one person's timeline.
func (r *Register) UserIncidents(ctx context.Context, names ...string) ([]*Incident, error) {
	names = distinctNames(names)
	if len(names) == 0 {
		return []*Incident{}, nil
	}
	q := `SELECT ` + incidentColumns + ` FROM incidents WHERE user COLLATE NOCASE IN (` + placeholders(len(names)) + `)
		ORDER BY first_seen, id`
	return r.queryIncidents(ctx, "incidents of a user", q, anys(names)...)
}

// Users lists the distinct users the incidents name (each spelling once), in no particular order:
// for finding the incidents registered under another name of a person (DOMAIN\user, a UPN, an
// address, before identity resolution gave every incident the person's account).
func (r *Register) Users(ctx context.Context) ([]string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT DISTINCT user FROM incidents`)
	if err != nil {
		return nil, fmt.Errorf("users of incidents: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// RelatedStatuses are the statuses of the incidents Related links: every real or possible incident
// (draft, open, assessed, closed). Dismissed ones are false alarms and are left out.
var RelatedStatuses = []Status{StatusDraft, StatusOpen, StatusAssessed, StatusClosed}

// Related returns the other incidents of the same user (in.User, and any of also: the person's other
// names) whose time span [first_seen, last_seen] comes within `within` of in's, oldest first. They
// are linked, never merged: each keeps its own evidence, deadline and assessment. Only incidents in
// RelatedStatuses are returned.
func (r *Register) Related(ctx context.Context, in *Incident, within time.Duration, also ...string) ([]*Incident, error) {
	if within < 0 {
		within = 0
	}
	names := distinctNames(append([]string{in.User}, also...))
	q := `SELECT ` + incidentColumns + ` FROM incidents WHERE user COLLATE NOCASE IN (` + placeholders(len(names)) + `)
		AND id != ? AND status IN (` + placeholders(len(RelatedStatuses)) + `) AND first_seen <= ? AND last_seen >= ?
		ORDER BY first_seen, id`
	args := anys(names)
	args = append(args, in.ID)
	for _, s := range RelatedStatuses {
		args = append(args, string(s))
	}
	args = append(args, nanos(in.LastSeen.Add(within)), nanos(in.FirstSeen.Add(-within)))
	return r.queryIncidents(ctx, "related incidents", q, args...)
}

func (r *Register) queryIncidents(ctx context.Context, what, q string, args ...any) ([]*Incident, error) {
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []*Incident{}
	for rows.Next() {
		in, err := r.scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, r.attach(ctx, r.db, out)
}

// PersonAccessPrefix marks the access log rows of person views: their incident_id is
// "person:<account>" (lower case; for a name no one has, the name itself), never an incident's id.
const PersonAccessPrefix = "person:"

// PersonAccessKey is the access log's key for the person view of account.
func PersonAccessKey(account string) string {
	return PersonAccessPrefix + strings.ToLower(strings.TrimSpace(account))
}

// LogPersonAccess records that someone looked at a person (their directory entry and the list of
// their incidents): one access log row keyed PersonAccessKey(account), chained like every read of
// evidence, so `lekwacht verify` covers it.
func (r *Register) LogPersonAccess(ctx context.Context, account, by, action string) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("looking up a person: who looks is required")
	}
	if strings.TrimSpace(account) == "" {
		return fmt.Errorf("%w: looking up a person: no account", ErrInvalid)
	}
	key := PersonAccessKey(account)
	return r.write(ctx, func(tx *sql.Tx, c *chain) error {
		at := nanos(r.now())
		row, err := tx.ExecContext(ctx, `INSERT INTO access_log (incident_id, at, by, action) VALUES (?, ?, ?, ?)`, key, at, by, action)
		if err != nil {
			return fmt.Errorf("log person view: %w", err)
		}
		ref, _ := row.LastInsertId()
		return c.append(ctx, kindAccess, ref, accessCanon(key, at, by, action))
	})
}

// PersonAccessLog lists who looked at a person, oldest first.
func (r *Register) PersonAccessLog(ctx context.Context, account string) ([]Access, error) {
	return r.AccessLog(ctx, PersonAccessKey(account))
}

// distinctNames drops empty names and repeats (ignoring case).
func distinctNames(names []string) []string {
	seen := map[string]bool{}
	out := names[:0:0]
	for _, n := range names {
		k := strings.ToLower(strings.TrimSpace(n))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, strings.TrimSpace(n))
	}
	return out
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
