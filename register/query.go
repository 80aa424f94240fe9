package register

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
)

// Filter selects incidents for List. Zero fields select everything.
type Filter struct {
	Status   []Status
	Detector string
	// DueBefore, when set, keeps the incidents whose 72-hour clock still runs (Incident.Clock: any
	// status until the melding bij de AP is recorded or the FG decided not to report, never a
	// dismissed one) and whose deadline is before it: overdue ones with DueBefore = now,
	// near-deadline ones with now + 24h.
	DueBefore time.Time
}

// List returns the incidents the filter selects, most urgent deadline first.
func (r *Register) List(ctx context.Context, f Filter) ([]*Incident, error) {
	var where []string
	var args []any
	if len(f.Status) > 0 {
		where = append(where, "status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Status)), ", ")+")")
		for _, s := range f.Status {
			args = append(args, s)
		}
	}
	if f.Detector != "" {
		where = append(where, "detector = ?")
		args = append(args, f.Detector)
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "status != 'dismissed' AND deadline < ?")
		args = append(args, nanos(f.DueBefore))
	}
	q := `SELECT ` + incidentColumns + ` FROM incidents`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := r.db.QueryContext(ctx, q+" ORDER BY deadline, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	out := []*Incident{}
	for rows.Next() {
		in, err := r.scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := r.attach(ctx, r.db, out); err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	if !f.DueBefore.IsZero() {
		out = slices.DeleteFunc(out, func(in *Incident) bool { return !in.Clock(f.DueBefore).Running })
	}
	return out, nil
}

// Get returns one incident without its evidence (no access is logged).
func (r *Register) Get(ctx context.Context, id string) (*Incident, error) {
	return r.get(ctx, r.db, id)
}

// Show returns one incident with its evidence, assessment and history. Reading evidence is logged
// in the access log (and chained) with who read it and why (action).
func (r *Register) Show(ctx context.Context, id, by, action string) (*Incident, error) {
	if err := r.LogAccess(ctx, id, by, action); err != nil {
		return nil, err
	}
	in, err := r.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Evidence, err = r.evidence(ctx, id); err != nil {
		return nil, err
	}
	if in.History, err = r.history(ctx, id); err != nil {
		return nil, err
	}
	if in.Assessment, err = r.assessment(ctx, in); err != nil {
		return nil, err
	}
	return in, nil
}

// Summary returns one incident with its assessment and history but without evidence: what the
// documents for the FG need. Nothing is logged.
func (r *Register) Summary(ctx context.Context, id string) (*Incident, error) {
	in, err := r.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.History, err = r.history(ctx, id); err != nil {
		return nil, err
	}
	in.Assessment, err = r.assessment(ctx, in)
	return in, err
}

// LogAccess records that someone read an incident's evidence.
func (r *Register) LogAccess(ctx context.Context, id, by, action string) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("reading evidence of %s: who reads it is required", id)
	}
	if _, err := r.Get(ctx, id); err != nil {
		return err
	}
	return r.write(ctx, func(tx *sql.Tx, c *chain) error {
		at := nanos(r.now())
		row, err := tx.ExecContext(ctx, `INSERT INTO access_log (incident_id, at, by, action) VALUES (?, ?, ?, ?)`, id, at, by, action)
		if err != nil {
			return fmt.Errorf("log access to %s: %w", id, err)
		}
		ref, _ := row.LastInsertId()
		return c.append(ctx, kindAccess, ref, accessCanon(id, at, by, action))
	})
}

// Access is one read of an incident's evidence.
type Access struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
}

// AccessLog lists who read an incident's evidence, oldest first.
func (r *Register) AccessLog(ctx context.Context, id string) ([]Access, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT at, by, action FROM access_log WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var a Access
		var at int64
		if err := rows.Scan(&at, &a.By, &a.Action); err != nil {
			return nil, err
		}
		a.At = r.fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

func (r *Register) evidence(ctx context.Context, id string) ([]Evidence, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT seq, kind, input, source, offset, line, time, sha256, size, text, registered_at
		FROM evidence WHERE incident_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Evidence{}
	for rows.Next() {
		var e Evidence
		var t, reg int64
		var sum, text []byte
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Input, &e.Source, &e.Offset, &e.Line, &t, &sum, &e.Size, &text, &reg); err != nil {
			return nil, err
		}
		e.Time, e.RegisteredAt, e.SHA256, e.Text = r.fromNanos(t), r.fromNanos(reg), hex.EncodeToString(sum), string(text)
		out = append(out, e)
	}
	return out, rows.Err()
}

// EvidenceFile opens the preserved copy of a file item.
func (r *Register) EvidenceFile(e Evidence) (*os.File, error) {
	sum, err := hex.DecodeString(e.SHA256)
	if err != nil {
		return nil, err
	}
	return os.Open(r.evidencePath(sum))
}

func (r *Register) history(ctx context.Context, id string) ([]Change, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT at, by, from_status, to_status, reason FROM history WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&at, &c.By, &c.From, &c.To, &c.Reason); err != nil {
			return nil, err
		}
		c.At = r.fromNanos(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// assessment builds the flow for an incident: suggestions from its evidence, the latest answers.
func (r *Register) assessment(ctx context.Context, in *Incident) (*Assessment, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT question, value, by, at FROM answers WHERE incident_id = ? ORDER BY id`, in.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type given struct {
		value, by string
		at        time.Time
	}
	latest := map[string]given{}
	for rows.Next() {
		var g given
		var k string
		var at int64
		if err := rows.Scan(&k, &g.value, &g.by, &at); err != nil {
			return nil, err
		}
		g.at = r.fromNanos(at)
		latest[k] = g
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	facts := in.AssessmentFacts()
	sugg := assessment.Suggest(facts)
	a := &Assessment{Suggested: assessment.Decide(facts), Details: map[string]Detail{}}
	answers := map[assessment.QuestionID]bool{}
	for _, q := range assessment.Questions {
		s := sugg[q.ID]
		qs := QuestionState{ID: q.ID, Question: q.Text, Suggested: yesNoText(s.Answer), Reason: s.Reason, Unknown: s.Unknown}
		if g, ok := latest[string(q.ID)]; ok {
			at := g.at
			qs.Answer, qs.By, qs.At = g.value, g.by, &at
			answers[q.ID] = g.value == "yes"
		}
		a.Questions = append(a.Questions, qs)
	}
	for _, k := range Details {
		if g, ok := latest[k]; ok {
			a.Details[k] = Detail{Value: g.value, By: g.by, At: g.at}
		}
	}
	a.Outcome = assessment.Evaluate(answers)
	return a, nil
}

// Categories is a helper for documents: the incident's categories as strings.
func (in *Incident) Categories() []string {
	out := make([]string, len(in.DataCategories))
	for i, c := range in.DataCategories {
		out[i] = string(c)
	}
	return out
}

// CountByStatus counts the incidents per status (for metrics; statuses without incidents are absent).
func (r *Register) CountByStatus(ctx context.Context) (map[Status]int, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT status, count(*) FROM incidents GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Status]int{}
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Assessment returns an incident's assessment (questions, answers, outcome) without evidence: not a
// read of evidence, so not in the access log.
func (r *Register) Assessment(ctx context.Context, in *Incident) (*Assessment, error) {
	return r.assessment(ctx, in)
}
