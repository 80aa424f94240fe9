package register

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema versions in order: migrations[i] takes a register from version i to
// i+1. Never edit a released migration; append a new one.
var migrations = []string{
	// 1: incidents, evidence, the hash chain (ledger), state history, assessment answers, access log.
	`
CREATE TABLE incidents (
	id             TEXT PRIMARY KEY,
	status         TEXT NOT NULL,
	detector       TEXT NOT NULL,
	rule           TEXT NOT NULL,
	rule_title     TEXT NOT NULL DEFAULT '',
	severity       TEXT NOT NULL,
	user           TEXT NOT NULL,
	pattern        TEXT NOT NULL,
	hosts          TEXT NOT NULL DEFAULT '[]',
	categories     TEXT NOT NULL DEFAULT '[]',
	subjects       INTEGER NOT NULL DEFAULT 0,
	summary        TEXT NOT NULL,
	facts          TEXT NOT NULL DEFAULT '{}',
	window_ns      INTEGER NOT NULL,
	first_seen     INTEGER NOT NULL,
	last_seen      INTEGER NOT NULL,
	discovered_at  INTEGER NOT NULL,
	deadline       INTEGER NOT NULL,
	evidence_count INTEGER NOT NULL DEFAULT 0,
	updated_at     INTEGER NOT NULL
);
CREATE INDEX incidents_group ON incidents (detector, rule, user, pattern, status);
CREATE INDEX incidents_deadline ON incidents (status, deadline);
CREATE TABLE id_counters (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE ledger (
	seq  INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	ref  INTEGER NOT NULL,
	prev BLOB NOT NULL,
	hash BLOB NOT NULL
);
CREATE TABLE evidence (
	id            INTEGER PRIMARY KEY,
	incident_id   TEXT NOT NULL REFERENCES incidents (id),
	seq           INTEGER NOT NULL,
	kind          TEXT NOT NULL,
	input         TEXT NOT NULL DEFAULT '',
	source        TEXT NOT NULL,
	offset        INTEGER NOT NULL,
	line          INTEGER NOT NULL DEFAULT 0,
	time          INTEGER NOT NULL,
	sha256        BLOB NOT NULL,
	text          BLOB,
	size          INTEGER NOT NULL,
	dedup         BLOB NOT NULL UNIQUE,
	registered_at INTEGER NOT NULL,
	UNIQUE (incident_id, seq)
);
CREATE TABLE history (
	id          INTEGER PRIMARY KEY,
	incident_id TEXT NOT NULL REFERENCES incidents (id),
	at          INTEGER NOT NULL,
	by          TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	reason      TEXT NOT NULL
);
CREATE INDEX history_incident ON history (incident_id);
CREATE TABLE answers (
	id          INTEGER PRIMARY KEY,
	incident_id TEXT NOT NULL REFERENCES incidents (id),
	question    TEXT NOT NULL,
	value       TEXT NOT NULL,
	by          TEXT NOT NULL,
	at          INTEGER NOT NULL
);
CREATE INDEX answers_incident ON answers (incident_id);
CREATE TABLE access_log (
	id          INTEGER PRIMARY KEY,
	incident_id TEXT NOT NULL,
	at          INTEGER NOT NULL,
	by          TEXT NOT NULL,
	action      TEXT NOT NULL
);
CREATE INDEX access_incident ON access_log (incident_id);
`,
	// 1 -> 2: the outbox of deliveries to outside sinks (response hooks, Elasticsearch), written in
	// the transaction that changes the incident, so nothing is lost or sent twice by a crash.
	`
CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY,
	sink        TEXT NOT NULL,
	incident_id TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER NOT NULL,
	last_error  TEXT NOT NULL DEFAULT '',
	done_at     INTEGER,
	failed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (sink, done_at, next_at);
`,
	// 2 -> 3: the identifiers no one in the directory has (an account nobody owns is itself a
	// finding), and the incidents of a person found quickly for the person view and related incidents.
	`
CREATE TABLE unresolved_identities (
	identifier TEXT NOT NULL,
	input      TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	events     INTEGER NOT NULL,
	PRIMARY KEY (identifier, input)
);
CREATE INDEX incidents_user ON incidents (user COLLATE NOCASE, first_seen);
`,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)

// migrate brings the database to SchemaVersion, one transaction per step, and refuses a register
// written by a newer lekwacht.
func migrate(ctx context.Context, db *sql.DB, upto int) error {
	for {
		done, err := migrateStep(ctx, db, upto)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next migration in its own write transaction; the version is read under
// the write lock, so processes opening the register at once do not both apply it.
func migrateStep(ctx context.Context, db *sql.DB, upto int) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate register: %w", err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return false, fmt.Errorf("register schema version %d is newer than this lekwacht knows (%d): upgrade lekwacht", have, len(migrations))
	}
	if have >= upto {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[have]); err != nil {
		return false, fmt.Errorf("migrate register to version %d: %w", have+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, have+1)); err != nil {
		return false, fmt.Errorf("migrate register to version %d: %w", have+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate register to version %d: %w", have+1, err)
	}
	return false, nil
}
