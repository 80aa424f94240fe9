package register

import (
	"context"
	"strings"
	"testing"
	"time"
)

// tampered builds a register with two incidents, a triage, an answer and an evidence read, runs
// one SQL tampering on the file directly (as someone with access to register.db would), and
// returns what Verify says.
func tampered(t *testing.T, sql ...string) *Report {
	t.Helper()
	r, clk := openTest(t)
	ctx := context.Background()
	id := add(t, r, lineHit("a.bakker", t0, 0, 100, 200, 300))[0].Incident
	add(t, r, lineHit("b.smit", t0, 400, 500))
	clk.add(time.Hour)
	if _, err := r.Move(ctx, id, StatusOpen, "team", "echt incident"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Assess(ctx, id, "fg", Answers{Details: map[string]string{"measures_taken": "account geblokkeerd"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Show(ctx, id, "p.pieters", "show"); err != nil {
		t.Fatal(err)
	}
	add(t, r, lineHit("a.bakker", t0.Add(time.Minute), 600))
	mustVerify(t, r)
	for _, q := range sql {
		if _, err := r.db.Exec(q); err != nil {
			t.Fatalf("tamper %q: %v", q, err)
		}
	}
	rep, err := r.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name string
		sql  []string
		want string // a phrase of the problem that names what broke
	}{
		{"one byte of a stored line changed",
			[]string{`UPDATE evidence SET text = CAST(replace(CAST(text AS TEXT), '4624', '4625') AS BLOB) WHERE seq = 2 AND incident_id = 'LW-2026-000001'`},
			"evidence item LW-2026-000001#2: content changed"},
		{"a line and its hash both changed",
			[]string{`UPDATE evidence SET text = CAST('forged' AS BLOB), sha256 = X'` + strings.Repeat("00", 32) + `', size = 6 WHERE seq = 3 AND incident_id = 'LW-2026-000001'`},
			"evidence item LW-2026-000001#3 was changed"},
		{"an item deleted",
			[]string{`DELETE FROM evidence WHERE seq = 2 AND incident_id = 'LW-2026-000001'`},
			"is missing: it was deleted"},
		{"an item deleted with its chain record",
			[]string{`DELETE FROM ledger WHERE kind = 'evidence' AND ref = (SELECT id FROM evidence WHERE seq = 2 AND incident_id = 'LW-2026-000001')`,
				`DELETE FROM evidence WHERE seq = 2 AND incident_id = 'LW-2026-000001'`},
			"removed from the chain"},
		{"two items reordered",
			[]string{`UPDATE evidence SET seq = -1 WHERE seq = 1 AND incident_id = 'LW-2026-000001'`,
				`UPDATE evidence SET seq = 1 WHERE seq = 2 AND incident_id = 'LW-2026-000001'`,
				`UPDATE evidence SET seq = 2 WHERE seq = -1 AND incident_id = 'LW-2026-000001'`},
			"evidence item LW-2026-000001#2 was changed"},
		{"two chain records reordered",
			[]string{`UPDATE ledger SET seq = -1 WHERE seq = 2`, `UPDATE ledger SET seq = 2 WHERE seq = 3`, `UPDATE ledger SET seq = 3 WHERE seq = -1`},
			"does not follow on record"},
		{"status changed behind lekwacht's back",
			[]string{`UPDATE incidents SET status = 'dismissed' WHERE id = 'LW-2026-000001'`},
			"status was changed outside lekwacht"},
		{"a state change deleted",
			[]string{`DELETE FROM history WHERE to_status = 'open'`},
			"state change (row"},
		{"the person who triaged rewritten",
			[]string{`UPDATE history SET by = 'someone else' WHERE to_status = 'open'`},
			"state change of LW-2026-000001 (draft -> open) was changed"},
		{"an evidence read removed from the access log",
			[]string{`DELETE FROM access_log`},
			"access record (row 1) is missing"},
		{"an answer rewritten",
			[]string{`UPDATE answers SET value = 'niets gedaan'`},
			"answer record (row 1) was changed"},
		{"an item inserted afterwards",
			[]string{`INSERT INTO evidence (incident_id, seq, kind, source, offset, time, sha256, text, size, dedup, registered_at)
				SELECT incident_id, 99, kind, source, 1, time, sha256, text, size, X'01', registered_at FROM evidence WHERE id = 1`},
			"is not in the chain (added afterwards)"},
		{"an incident's creation fields changed",
			[]string{`UPDATE incidents SET user = 'c.jong' WHERE id = 'LW-2026-000002'`},
			"state change of LW-2026-000002 ( -> draft) was changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := tampered(t, c.sql...)
			if rep.OK() {
				t.Fatal("verify found nothing")
			}
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.want) {
				t.Fatalf("problems do not name %q:\n%s", c.want, strings.Join(all, "\n"))
			}
		})
	}
}

// TestVerifyAnchor: a tail removed consistently (items and chain records alike) leaves a chain that
// looks whole; a head written down earlier catches it.
func TestVerifyAnchor(t *testing.T) {
	r, _ := openTest(t)
	ctx := context.Background()
	add(t, r, lineHit("a.bakker", t0, 0, 100))
	head := mustVerify(t, r)
	anchor, err := ParseAnchor(head.Anchor())
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := r.Verify(ctx, anchor); !rep.OK() {
		t.Fatalf("anchor of an untouched register: %v", rep.Problems)
	}
	// Remove the last item, its chain record and fix the count: no gap, no broken link.
	for _, q := range []string{
		`DELETE FROM ledger WHERE seq = (SELECT max(seq) FROM ledger)`,
		`DELETE FROM evidence WHERE id = (SELECT max(id) FROM evidence)`,
		`UPDATE incidents SET evidence_count = evidence_count - 1`,
	} {
		if _, err := r.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if rep, _ := r.Verify(ctx); !rep.OK() {
		t.Fatalf("a consistently cut tail should look whole without an anchor: %v", rep.Problems)
	}
	rep, _ := r.Verify(ctx, anchor)
	if rep.OK() || !strings.Contains(rep.Problems[0].What, "were removed") {
		t.Fatalf("anchor missed the cut tail: %v", rep.Problems)
	}
	if _, err := ParseAnchor("12:abc"); err == nil {
		t.Error("bad anchor accepted")
	}
}
