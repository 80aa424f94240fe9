package register

import (
	"context"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

func TestOutbox(t *testing.T) {
	c := &clock{t: t0}
	ctx := context.Background()
	r, err := Open(ctx, t.TempDir(), Options{Now: c.now, Location: time.UTC, Outbox: func(in *Incident, created bool) []string {
		sinks := []string{"es"} // every change
		if created && in.Severity.Rank() >= hit.SeverityHigh.Rank() {
			sinks = append(sinks, "block")
		}
		return sinks
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	high := lineHit("a.bakker", t0, 0, 100)
	low := lineHit("b.smit", t0, 500)
	low.Severity = hit.SeverityLow
	add(t, r, high, low)
	add(t, r, lineHit("a.bakker", t0.Add(time.Minute), 200)) // joins a.bakker's incident: no new hook delivery
	add(t, r, high)                                          // a replay: nothing changes, nothing queued
	block, err := r.Due(ctx, "block", c.now(), 10)
	if err != nil || len(block) != 1 {
		t.Fatalf("block due %+v %v: want one delivery (the high incident, when it was created)", block, err)
	}
	es, _ := r.Due(ctx, "es", c.now(), 10)
	if len(es) != 3 {
		t.Fatalf("es due %d, want 3 (two created, one joined)", len(es))
	}
	// A failed try comes back at its time; a given-up one never.
	if err := r.Retry(ctx, block[0].ID, c.now().Add(time.Minute), "connection refused", false); err != nil {
		t.Fatal(err)
	}
	if due, _ := r.Due(ctx, "block", c.now(), 10); len(due) != 0 {
		t.Fatal("a retry came back before its time")
	}
	c.t = c.t.Add(2 * time.Minute)
	due, _ := r.Due(ctx, "block", c.now(), 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "connection refused" {
		t.Fatalf("retry %+v", due)
	}
	r.Delivered(ctx, es[0].ID)
	r.Retry(ctx, es[1].ID, c.now(), "HTTP 400", true)
	st, err := r.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st["block"]; got.Pending != 1 || got.Retrying != 1 || got.Failed != 0 || !got.Oldest.Equal(t0) {
		t.Errorf("block stats %+v", got)
	}
	if got := st["es"]; got.Pending != 1 || got.Delivered != 1 || got.Failed != 1 {
		t.Errorf("es stats %+v", got)
	}
	if due, _ := r.Due(ctx, "es", c.now(), 10); len(due) != 1 || due[0].ID != es[2].ID {
		t.Fatalf("es due after one delivered and one failed: %+v", due)
	}
	// Triage and the FG's answers are changes too: queued for the sinks that want every change.
	id := es[0].Incident
	if _, err := r.Move(ctx, id, StatusOpen, "team", "echt"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Assess(ctx, id, "fg", Answers{Details: map[string]string{"measures_taken": "account geblokkeerd"}}); err != nil {
		t.Fatal(err)
	}
	due, _ = r.Due(ctx, "es", c.now(), 10)
	if len(due) != 3 || due[1].Incident != id || due[2].Incident != id {
		t.Fatalf("es due after triage and assessment: %+v", due)
	}
	if b, _ := r.Due(ctx, "block", c.now(), 10); len(b) != 1 {
		t.Fatalf("a hook for created incidents fired on a change: %+v", b)
	}
}

// TestOutboxEpoch: zero before the first delivery, then the time the first was queued, unchanged by
// later ones; a register made later (a reset) has a later epoch.
func TestOutboxEpoch(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	open := func() *Register {
		r, err := Open(ctx, t.TempDir(), Options{Now: c.now, Location: time.UTC, Outbox: func(*Incident, bool) []string { return []string{"es"} }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	r := open()
	if e, err := r.OutboxEpoch(ctx); err != nil || !e.IsZero() {
		t.Fatalf("empty outbox: epoch %v, %v", e, err)
	}
	add(t, r, lineHit("a.bakker", t0, 0))
	first := c.now()
	c.add(time.Hour)
	add(t, r, lineHit("b.smit", t0, 100))
	if e, err := r.OutboxEpoch(ctx); err != nil || !e.Equal(first) {
		t.Fatalf("epoch %v, %v: want the first delivery's %v", e, err, first)
	}
	r2 := open()
	add(t, r2, lineHit("a.bakker", t0, 0))
	if e, _ := r2.OutboxEpoch(ctx); !e.After(first) {
		t.Fatalf("the later register's epoch %v is not after %v", e, first)
	}
}
