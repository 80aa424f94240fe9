package register

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Problem is one thing Verify found broken.
type Problem struct {
	Seq  int64  `json:"seq,omitempty"` // the ledger record, when the problem is in the chain
	What string `json:"what"`
}

func (p Problem) String() string {
	if p.Seq > 0 {
		return fmt.Sprintf("record %d: %s", p.Seq, p.What)
	}
	return p.What
}

// Report is what Verify checked and found.
type Report struct {
	Records   int64     `json:"records"`   // ledger records checked
	Evidence  int64     `json:"evidence"`  // evidence items checked (content and chain)
	Incidents int64     `json:"incidents"` // incidents checked against their history and evidence
	HeadSeq   int64     `json:"head_seq"`  // the last record: write it down elsewhere to detect a rewritten tail later
	Head      string    `json:"head"`
	Problems  []Problem `json:"problems"`
}

// OK says whether nothing was found broken.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// maxProblems caps the list; the count goes on.
const maxProblems = 1000

func (r *Report) problem(seq int64, format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, Problem{seq, fmt.Sprintf(format, args...)})
	}
}

// Anchor is a chain head written down earlier (`SEQ:HASH`): Verify checks that record SEQ still
// has that hash, which catches a chain rewritten from that point on.
type Anchor struct {
	Seq  int64
	Hash []byte
}

// ParseAnchor reads `SEQ:HASH`.
func ParseAnchor(s string) (Anchor, error) {
	seq, h, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	b, herr := hex.DecodeString(h)
	if !ok || err != nil || herr != nil || len(b) != sha256.Size || n < 1 {
		return Anchor{}, fmt.Errorf("anchor %q: want SEQ:SHA256HEX as verify prints it", s)
	}
	return Anchor{n, b}, nil
}

// Verify walks the hash chain and every row it covers: each evidence item's content against its
// SHA-256, each record's hash against its content and the record before it, and each incident's
// status and evidence count against its history and items. It names what broke and where.
func (r *Register) Verify(ctx context.Context, anchors ...Anchor) (*Report, error) {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	v := &verifier{r: r, ctx: ctx, tx: tx, rep: &Report{}, anchors: map[int64][]byte{}}
	for _, a := range anchors {
		v.anchors[a.Seq] = a.Hash
	}
	if err := v.loadSmall(); err != nil {
		return nil, err
	}
	if err := v.walk(); err != nil {
		return nil, err
	}
	v.checkIncidents()
	for seq := range v.anchors {
		v.rep.problem(seq, "anchor: the chain ends at record %d; the records after it were removed", v.rep.HeadSeq)
	}
	return v.rep, nil
}

type verifier struct {
	r       *Register
	ctx     context.Context
	tx      *sql.Tx
	rep     *Report
	anchors map[int64][]byte

	incidents map[string]*verifyIncident
	history   map[int64]historyRow
	answers   map[int64]canon
	access    map[int64]canon
}

type verifyIncident struct {
	created            creation
	status             string
	evidenceCount      int64
	items, lastItemSeq int64
	lastStatus         string
	seenCreated        bool
}

type historyRow struct {
	incident, by, from, to, reason string
	at                             int64
}

// loadSmall reads incidents, history, answers and access records into memory; evidence streams.
func (v *verifier) loadSmall() error {
	v.incidents = map[string]*verifyIncident{}
	rows, err := v.tx.QueryContext(v.ctx, `SELECT id, status, detector, rule, user, pattern, discovered_at, deadline, evidence_count FROM incidents`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		vi := &verifyIncident{}
		c := &vi.created
		if err := rows.Scan(&id, &vi.status, &c.detector, &c.rule, &c.user, &c.pattern, &c.discovered, &c.deadline, &vi.evidenceCount); err != nil {
			rows.Close()
			return err
		}
		v.incidents[id] = vi
	}
	rows.Close()
	v.history = map[int64]historyRow{}
	rows, err = v.tx.QueryContext(v.ctx, `SELECT id, incident_id, at, by, from_status, to_status, reason FROM history`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var h historyRow
		if err := rows.Scan(&id, &h.incident, &h.at, &h.by, &h.from, &h.to, &h.reason); err != nil {
			rows.Close()
			return err
		}
		v.history[id] = h
	}
	rows.Close()
	v.answers, err = v.loadCanon(`SELECT id, incident_id, question, value, by, at FROM answers`, func(s scanner) (int64, canon, error) {
		var id, at int64
		var inc, q, val, by string
		err := s.Scan(&id, &inc, &q, &val, &by, &at)
		return id, answerCanon(inc, q, val, by, at), err
	})
	if err != nil {
		return err
	}
	v.access, err = v.loadCanon(`SELECT id, incident_id, at, by, action FROM access_log`, func(s scanner) (int64, canon, error) {
		var id, at int64
		var inc, by, action string
		err := s.Scan(&id, &inc, &at, &by, &action)
		return id, accessCanon(inc, at, by, action), err
	})
	return err
}

func (v *verifier) loadCanon(q string, scan func(scanner) (int64, canon, error)) (map[int64]canon, error) {
	rows, err := v.tx.QueryContext(v.ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]canon{}
	for rows.Next() {
		id, c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, rows.Err()
}

// evidenceCursor streams evidence rows in id order beside the ledger.
type evidenceCursor struct {
	rows *sql.Rows
	ok   bool
	id   int64
	inc  string
	seq  int64
	body canon
	what string
	err  error
}

func (c *evidenceCursor) next(v *verifier) {
	c.ok = c.rows.Next()
	if !c.ok {
		return
	}
	var kind, input, source string
	var offset, line, t, size, reg int64
	var sum, text []byte
	c.err = c.rows.Scan(&c.id, &c.inc, &c.seq, &kind, &input, &source, &offset, &line, &t, &sum, &text, &size, &reg)
	c.body = evidenceCanon(c.inc, c.seq, kind, input, source, offset, line, t, sum, size, reg)
	c.what = fmt.Sprintf("evidence item %s#%d", c.inc, c.seq)
	v.rep.Evidence++
	v.checkContent(c.what, kind, sum, text, size)
	if vi := v.incidents[c.inc]; vi != nil {
		vi.items++
		if c.seq != vi.lastItemSeq+1 {
			v.rep.problem(0, "%s: items of %s are not numbered 1, 2, 3, ... (after #%d comes #%d): an item was removed or reordered", c.what, c.inc, vi.lastItemSeq, c.seq)
		}
		vi.lastItemSeq = c.seq
	} else {
		v.rep.problem(0, "%s: its incident is not in the register (removed?)", c.what)
	}
}

// checkContent compares an item's stored content with its SHA-256.
func (v *verifier) checkContent(what, kind string, sum, text []byte, size int64) {
	var got []byte
	var n int64
	if kind == "file" {
		f, err := os.Open(v.r.evidencePath(sum))
		if err != nil {
			v.rep.problem(0, "%s: preserved file is missing: %v", what, err)
			return
		}
		h := sha256.New()
		n, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			v.rep.problem(0, "%s: preserved file unreadable: %v", what, err)
			return
		}
		got = h.Sum(nil)
	} else {
		s := sha256.Sum256(text)
		got, n = s[:], int64(len(text))
	}
	if !bytes.Equal(got, sum) || n != size {
		v.rep.problem(0, "%s: content changed: its SHA-256 is %x, registered %x", what, got, sum)
	}
}

func (v *verifier) walk() error {
	ev := &evidenceCursor{}
	var err error
	ev.rows, err = v.tx.QueryContext(v.ctx, `SELECT id, incident_id, seq, kind, input, source, offset, line, time, sha256, text, size, registered_at FROM evidence ORDER BY id`)
	if err != nil {
		return err
	}
	defer ev.rows.Close()
	ev.next(v)
	led, err := v.tx.QueryContext(v.ctx, `SELECT seq, kind, ref, prev, hash FROM ledger ORDER BY seq`)
	if err != nil {
		return err
	}
	defer led.Close()
	prev, want := genesis, int64(1)
	for led.Next() {
		var seq, ref int64
		var kind string
		var p, h []byte
		if err := led.Scan(&seq, &kind, &ref, &p, &h); err != nil {
			return err
		}
		v.rep.Records++
		if seq != want {
			v.rep.problem(seq, "records %d to %d are missing: removed from the chain", want, seq-1)
		}
		if !bytes.Equal(p, prev) {
			v.rep.problem(seq, "does not follow on record %d (its previous hash differs): records were removed, inserted or reordered", seq-1)
		}
		body, what := v.body(ev, kind, ref, seq)
		if ev.err != nil {
			return ev.err
		}
		if body != nil && !bytes.Equal(chainHash(p, seq, kind, ref, body), h) {
			v.rep.problem(seq, "%s was changed after it was registered (its hash no longer matches)", what)
		}
		if a, ok := v.anchors[seq]; ok {
			if !bytes.Equal(a, h) {
				v.rep.problem(seq, "anchor: the hash written down for this record was %x, the register has %x: the chain was rewritten", a, h)
			}
			delete(v.anchors, seq)
		}
		prev, want = h, seq+1
		v.rep.HeadSeq, v.rep.Head = seq, hex.EncodeToString(h)
	}
	if err := led.Err(); err != nil {
		return err
	}
	for ; ev.ok; ev.next(v) {
		v.rep.problem(0, "%s is not in the chain (added afterwards)", ev.what)
	}
	return ev.err
}

// body recomputes the canonical bytes of the row a ledger record refers to.
func (v *verifier) body(ev *evidenceCursor, kind string, ref, seq int64) (canon, string) {
	switch kind {
	case kindEvidence:
		for ev.ok && ev.id < ref {
			v.rep.problem(0, "%s is not in the chain (added afterwards)", ev.what)
			ev.next(v)
		}
		if !ev.ok || ev.id != ref {
			v.rep.problem(seq, "evidence item (row %d) is missing: it was deleted", ref)
			return nil, ""
		}
		b, what := ev.body, ev.what
		ev.next(v)
		return b, what
	case kindHistory:
		h, ok := v.history[ref]
		if !ok {
			v.rep.problem(seq, "state change (row %d) is missing: it was deleted", ref)
			return nil, ""
		}
		delete(v.history, ref)
		what := fmt.Sprintf("state change of %s (%s -> %s)", h.incident, h.from, h.to)
		var created *creation
		if vi := v.incidents[h.incident]; vi != nil {
			if h.from == "" {
				created, vi.seenCreated = &vi.created, true
			}
			vi.lastStatus = h.to
		} else {
			v.rep.problem(seq, "%s: the incident is not in the register (removed?)", what)
		}
		return historyCanon(h.incident, h.at, h.by, h.from, h.to, h.reason, created), what
	case kindAnswer, kindAccess:
		m := v.answers
		if kind == kindAccess {
			m = v.access
		}
		b, ok := m[ref]
		if !ok {
			v.rep.problem(seq, "%s record (row %d) is missing: it was deleted", kind, ref)
			return nil, ""
		}
		delete(m, ref)
		return b, fmt.Sprintf("%s record (row %d)", kind, ref)
	}
	v.rep.problem(seq, "unknown record kind %q", kind)
	return nil, ""
}

// checkIncidents compares each incident with what the chain says about it, and reports rows that
// the chain never covered.
func (v *verifier) checkIncidents() {
	for id, vi := range v.incidents {
		v.rep.Incidents++
		switch {
		case !vi.seenCreated:
			v.rep.problem(0, "incident %s has no chained creation record: it was added outside lekwacht", id)
		case vi.lastStatus != vi.status:
			v.rep.problem(0, "incident %s has status %s, but its chained history ends at %s: the status was changed outside lekwacht", id, vi.status, vi.lastStatus)
		}
		if vi.items != vi.evidenceCount {
			v.rep.problem(0, "incident %s counts %d evidence items, the register holds %d", id, vi.evidenceCount, vi.items)
		}
	}
	for id, h := range v.history {
		v.rep.problem(0, "state change of %s (row %d) is not in the chain (added afterwards)", h.incident, id)
	}
	for _, m := range []map[int64]canon{v.answers, v.access} {
		for id := range m {
			v.rep.problem(0, "answer or access record (row %d) is not in the chain (added afterwards)", id)
		}
	}
}

// errVerify wraps a failed verification for callers that want an error.
var errVerify = errors.New("register verification failed")

// Err returns nil when the report is clean, else an error naming the first problems.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	var b strings.Builder
	for i, p := range r.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(r.Problems)-5)
			break
		}
		fmt.Fprintf(&b, "; %s", p)
	}
	return fmt.Errorf("%w%s", errVerify, b.String())
}

// Anchor is the head as `SEQ:HASH`, to write down and pass to a later verify.
func (r *Report) Anchor() string { return fmt.Sprintf("%d:%s", r.HeadSeq, r.Head) }
