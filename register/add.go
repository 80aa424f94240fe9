package register

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

// Result says what registering one hit did.
type Result struct {
	Incident   string `json:"incident"`
	Created    bool   `json:"created"`    // a new draft incident was opened
	Added      int    `json:"added"`      // evidence items added
	Duplicates int    `json:"duplicates"` // evidence items already in the register (a replay, a restart)
}

// item is one evidence item ready to store.
type item struct {
	ev    hit.Evidence
	sum   []byte
	size  int64
	text  []byte // line items only; file items are stored under evidence/<sha256>
	dedup []byte
}

// Add registers hits in one transaction: each joins the incident its evidence is already in, or an
// incident of the same detector, rule, user and pattern within the rule's window, or opens a new
// draft. Evidence already registered is not stored again, so replaying the same lines changes nothing.
func (r *Register) Add(ctx context.Context, hits []hit.Hit) ([]Result, error) {
	prepared := make([][]item, len(hits))
	for i := range hits {
		if err := hits[i].Validate(); err != nil {
			return nil, fmt.Errorf("hit %d (rule %s): %w", i+1, hits[i].Rule, err)
		}
		items, err := r.prepare(&hits[i])
		if err != nil {
			return nil, fmt.Errorf("hit %d (rule %s): %w", i+1, hits[i].Rule, err)
		}
		prepared[i] = items
	}
	results := make([]Result, len(hits))
	err := r.write(ctx, func(tx *sql.Tx, c *chain) error {
		a, err := newAdder(ctx, tx, c, r)
		if err != nil {
			return err
		}
		defer a.close()
		for i := range hits {
			if results[i], err = a.add(&hits[i], prepared[i]); err != nil {
				return fmt.Errorf("hit %d (rule %s): %w", i+1, hits[i].Rule, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// prepare hashes every item and preserves file items under evidence/ (content-addressed, 0600,
// written once and never modified).
func (r *Register) prepare(h *hit.Hit) ([]item, error) {
	items := make([]item, len(h.Evidence))
	for i, ev := range h.Evidence {
		it := item{ev: ev}
		key := canon{}.str(h.Rule).str(h.User)
		if ev.Kind == hit.EvidenceLine {
			it.text = []byte(strings.TrimRight(ev.Text, "\r\n"))
			s := sha256.Sum256(it.text)
			it.sum, it.size = s[:], int64(len(it.text))
			key = key.int(ev.Offset).int(ev.Time.UnixNano()).bytes(it.sum)
		} else {
			sum, size, err := r.preserveFile(ev.File)
			if err != nil {
				return nil, err
			}
			it.sum, it.size = sum, size
			key = key.str(ev.Source).bytes(it.sum)
		}
		// The key starts with the event time, so keys of a stream of hits land near each other in
		// the unique index (hot pages) instead of on random pages of a large register.
		d := sha256.Sum256(key)
		it.dedup = binary.BigEndian.AppendUint64(make([]byte, 0, 32), uint64(ev.Time.UnixNano()))
		it.dedup = append(it.dedup, d[:24]...)
		items[i] = it
	}
	return items, nil
}

// preserveFile copies a file into evidence/<sha256> unless that copy exists.
func (r *Register) preserveFile(path string) ([]byte, int64, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("preserve evidence file: %w", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Join(r.dir, EvidenceDir), ".incoming-*")
	if err != nil {
		return nil, 0, fmt.Errorf("preserve evidence file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(0o400)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("preserve evidence file %s: %w", path, err)
	}
	sum := h.Sum(nil)
	dst := r.evidencePath(sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, size, nil
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return nil, 0, fmt.Errorf("preserve evidence file %s: %w", path, err)
	}
	return sum, size, syncDir(filepath.Dir(dst))
}

func (r *Register) evidencePath(sum []byte) string {
	return filepath.Join(r.dir, EvidenceDir, hex.EncodeToString(sum))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// adder holds the prepared statements of one Add transaction.
type adder struct {
	ctx                                          context.Context
	tx                                           *sql.Tx
	c                                            *chain
	r                                            *Register
	findDup, findGroup, insEvidence, updIncident *sql.Stmt
	// incidents touched in this transaction, so each is read from the database once
	incidents map[string]*Incident
}

func newAdder(ctx context.Context, tx *sql.Tx, c *chain, r *Register) (*adder, error) {
	a := &adder{ctx: ctx, tx: tx, c: c, r: r, incidents: map[string]*Incident{}}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	a.findDup = prep(`SELECT incident_id FROM evidence WHERE dedup = ?`)
	a.findGroup = prep(`SELECT id FROM incidents WHERE detector = ? AND rule = ? AND user = ? AND pattern = ?
		AND status IN ` + literals(joinable) + ` AND first_seen - window_ns <= ? AND last_seen + window_ns >= ?
		ORDER BY last_seen DESC LIMIT 1`)
	a.insEvidence = prep(`INSERT INTO evidence (incident_id, seq, kind, input, source, offset, line, time, sha256, text, size, dedup, registered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	a.updIncident = prep(`UPDATE incidents SET severity = ?, rule_title = ?, hosts = ?, categories = ?, subjects = ?,
		summary = ?, facts = ?, first_seen = ?, last_seen = ?, evidence_count = ?, updated_at = ? WHERE id = ?`)
	if err != nil {
		a.close()
		return nil, fmt.Errorf("prepare register statements: %w", err)
	}
	return a, nil
}

func (a *adder) close() {
	for _, s := range []*sql.Stmt{a.findDup, a.findGroup, a.insEvidence, a.updIncident} {
		if s != nil {
			s.Close()
		}
	}
}

func (a *adder) add(h *hit.Hit, items []item) (Result, error) {
	var res Result
	fresh := items[:0:0]
	for _, it := range items {
		var id string
		err := a.findDup.QueryRowContext(a.ctx, it.dedup).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if !slices.ContainsFunc(fresh, func(f item) bool { return string(f.dedup) == string(it.dedup) }) {
				fresh = append(fresh, it)
			} else {
				res.Duplicates++
			}
		case err != nil:
			return res, fmt.Errorf("look up evidence: %w", err)
		default:
			res.Duplicates++
			if res.Incident == "" {
				res.Incident = id
			}
		}
	}
	if len(fresh) == 0 {
		return res, nil
	}
	first, last := span(h, fresh)
	if res.Incident == "" {
		err := a.findGroup.QueryRowContext(a.ctx, h.Detector, h.Rule, h.User, h.Pattern, nanos(last), nanos(first)).Scan(&res.Incident)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return res, fmt.Errorf("look up incident: %w", err)
		}
	}
	var in *Incident
	var err error
	switch cached := a.incidents[res.Incident]; {
	case res.Incident == "":
		in, err = a.create(h)
		res.Created = true
	case cached != nil:
		in = cached
	default:
		in, err = a.r.get(a.ctx, a.tx, res.Incident)
	}
	if err != nil {
		return res, err
	}
	res.Incident = in.ID
	a.incidents[in.ID] = in
	in.merge(h, first, last)
	now := nanos(a.r.now())
	for _, it := range fresh {
		in.EvidenceCount++
		var text any
		if it.ev.Kind == hit.EvidenceLine {
			text = it.text
		}
		ev := it.ev
		row, err := a.insEvidence.ExecContext(a.ctx, in.ID, in.EvidenceCount, string(ev.Kind), ev.Input, ev.Source, ev.Offset,
			ev.Line, nanos(ev.Time), it.sum, text, it.size, it.dedup, now)
		if err != nil {
			return res, fmt.Errorf("store evidence: %w", err)
		}
		ref, _ := row.LastInsertId()
		body := evidenceCanon(in.ID, int64(in.EvidenceCount), string(ev.Kind), ev.Input, ev.Source, ev.Offset, ev.Line,
			nanos(ev.Time), it.sum, it.size, now)
		if err := a.c.append(a.ctx, kindEvidence, ref, body); err != nil {
			return res, err
		}
		res.Added++
	}
	if err := a.update(in, now); err != nil {
		return res, err
	}
	return res, a.r.enqueue(a.ctx, a.tx, in, res.Created, now)
}

// span is the time range of a hit's new evidence (and the hit's own time).
func span(h *hit.Hit, items []item) (first, last time.Time) {
	first, last = h.Time, h.Time
	for _, it := range items {
		if t := it.ev.Time; !t.IsZero() {
			if t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
	}
	return first, last
}

// create opens a draft incident with the next id of the year it was discovered in.
func (a *adder) create(h *hit.Hit) (*Incident, error) {
	discovered := a.r.now()
	year := discovered.In(a.r.loc).Year()
	var n int64
	err := a.tx.QueryRowContext(a.ctx, `INSERT INTO id_counters (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last`, year).Scan(&n)
	if err != nil {
		return nil, fmt.Errorf("next incident id: %w", err)
	}
	in := &Incident{
		ID: fmt.Sprintf(a.r.idFmt, year, n), Status: StatusDraft, Detector: h.Detector, Rule: h.Rule,
		RuleTitle: h.RuleTitle, Severity: h.Severity, User: h.User, Pattern: h.Pattern, Window: h.Window,
		DiscoveredAt: discovered, Deadline: discovered.Add(Deadline), Hosts: []string{}, DataCategories: []hit.Category{},
	}
	_, err = a.tx.ExecContext(a.ctx, `INSERT INTO incidents (id, status, detector, rule, rule_title, severity, user, pattern,
		summary, window_ns, first_seen, last_seen, discovered_at, deadline, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
		in.ID, in.Status, in.Detector, in.Rule, in.RuleTitle, in.Severity, in.User, in.Pattern, int64(in.Window),
		nanos(h.Time), nanos(h.Time), nanos(discovered), nanos(in.Deadline), nanos(discovered))
	if err != nil {
		return nil, fmt.Errorf("create incident: %w", err)
	}
	reason := fmt.Sprintf("concept geopend door regel %s", h.Rule)
	return in, a.r.recordChange(a.ctx, a.tx, a.c, in, "lekwacht", "", StatusDraft, reason, discovered)
}

// update writes the incident's derived fields back.
func (a *adder) update(in *Incident, now int64) error {
	_, err := a.updIncident.ExecContext(a.ctx, in.Severity, in.RuleTitle, jsonText(in.Hosts), jsonText(in.DataCategories), in.Subjects, in.Summary, jsonText(in.Facts),
		nanos(in.FirstSeen), nanos(in.LastSeen), in.EvidenceCount, now, in.ID)
	if err != nil {
		return fmt.Errorf("update incident %s: %w", in.ID, err)
	}
	return nil
}

// scanIncident reads an incidents row (columns in incidentColumns order).
const incidentColumns = `id, status, detector, rule, rule_title, severity, user, pattern, hosts, categories, subjects,
	summary, facts, window_ns, first_seen, last_seen, discovered_at, deadline, evidence_count, updated_at`

type scanner interface{ Scan(...any) error }

func (r *Register) scanIncident(s scanner) (*Incident, error) {
	var in Incident
	var hosts, cats, facts string
	var window, first, last, disc, dead, upd int64
	err := s.Scan(&in.ID, &in.Status, &in.Detector, &in.Rule, &in.RuleTitle, &in.Severity, &in.User, &in.Pattern, &hosts, &cats,
		&in.Subjects, &in.Summary, &facts, &window, &first, &last, &disc, &dead, &in.EvidenceCount, &upd)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(hosts), &in.Hosts), json.Unmarshal([]byte(cats), &in.DataCategories),
		json.Unmarshal([]byte(facts), &in.Facts)); err != nil {
		return nil, fmt.Errorf("incident %s: %w", in.ID, err)
	}
	in.Window = time.Duration(window)
	in.FirstSeen, in.LastSeen, in.DiscoveredAt = r.fromNanos(first), r.fromNanos(last), r.fromNanos(disc)
	in.Deadline, in.UpdatedAt = r.fromNanos(dead), r.fromNanos(upd)
	return &in, nil
}

// get reads one incident's row.
func (r *Register) get(ctx context.Context, q querier, id string) (*Incident, error) {
	in, err := r.scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	return in, r.attach(ctx, q, []*Incident{in})
}

// ErrNotFound is returned for an unknown incident id.
var ErrNotFound = errors.New("no such incident")

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
