package hooks

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newHit(user string, sev hit.Severity, detector string, off int64) hit.Hit {
	return hit.Hit{Detector: detector, Rule: "r-" + detector, Severity: sev, User: user, Pattern: "p", Time: t0, Window: time.Hour,
		Categories: []hit.Category{hit.CategoryBSN}, Summary: "export van 300 records",
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "zaak", Source: "/logs/zaak.jsonl", Offset: off, Time: t0, Text: "line"}}}
}

func secretFile(t *testing.T) (string, []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hook.secret")
	secret := []byte("0123456789abcdef0123456789abcdef")
	os.WriteFile(p, append(secret, '\n'), 0o600)
	return p, secret
}

// receiver is a webhook endpoint on 127.0.0.1 that fails its first `fail` requests.
type receiver struct {
	mu     sync.Mutex
	fail   int
	bodies [][]byte
	heads  []http.Header
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.fail > 0 {
		rc.fail--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	rc.bodies = append(rc.bodies, b)
	rc.heads = append(rc.heads, r.Header.Clone())
}

func TestWebhookSignedRetriedAndCommand(t *testing.T) {
	ctx := context.Background()
	rc := &receiver{fail: 2}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sf, secret := secretFile(t)
	out := filepath.Join(t.TempDir(), "blocked.txt")
	script := filepath.Join(t.TempDir(), "block.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$1 $2 $LEKWACHT_SEVERITY\" >> "+out+"\ncat >> "+out+".json\n"), 0o755)
	hs, err := Load([]config.Hook{
		{Name: "idm", Detectors: []string{"bulk_bsn_export"}, Webhook: &config.Webhook{URL: srv.URL, SecretFile: sf}},
		{Name: "block", MinSeverity: "critical", Command: []string{script, "{user}", "{id}"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	reg, err := register.Open(ctx, t.TempDir(), register.Options{Now: c.now, Location: time.UTC, Outbox: Outbox(hs)})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	res, err := reg.Add(ctx, []hit.Hit{
		newHit("a.bakker", hit.SeverityHigh, "bulk_bsn_export", 0),        // idm only
		newHit("j.devries", hit.SeverityCritical, "bulk_bsn_export", 100), // idm and block
		newHit("k.vos", hit.SeverityMedium, "bulk_bsn_export", 200),       // below high: nothing
		newHit("p.oud", hit.SeverityCritical, "shared_credentials", 300),  // block only
	})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(reg, hs, slog.New(slog.DiscardHandler))
	r.now = c.now
	for _, h := range hs {
		r.deliverDue(ctx, h)
	}
	// The receiver refused the first two posts: retried after the backoff, not before.
	if len(rc.bodies) != 0 {
		t.Fatalf("%d bodies accepted while the receiver refused", len(rc.bodies))
	}
	r.deliverDue(ctx, hs[0])
	if len(rc.bodies) != 0 {
		t.Fatal("a retry went out before its backoff")
	}
	c.add(time.Minute)
	r.deliverDue(ctx, hs[0])
	if len(rc.bodies) != 2 {
		t.Fatalf("after the backoff %d bodies, want 2", len(rc.bodies))
	}
	for i, b := range rc.bodies {
		h := rc.heads[i]
		want := Signature(secret, h.Get("X-Lekwacht-Timestamp"), b)
		if !hmac.Equal([]byte(h.Get("X-Lekwacht-Signature")), []byte(want)) {
			t.Errorf("signature %q, want %q", h.Get("X-Lekwacht-Signature"), want)
		}
		var p Payload
		if err := json.Unmarshal(b, &p); err != nil || p.Hook != "idm" || p.Detector != "bulk_bsn_export" || p.Summary == "" {
			t.Errorf("payload %s %v", b, err)
		}
	}
	got, _ := os.ReadFile(out)
	want := "j.devries " + res[1].Incident + " critical\np.oud " + res[3].Incident + " critical\n"
	if string(got) != want {
		t.Fatalf("command ran with %q, want %q", got, want)
	}
	stdin, _ := os.ReadFile(out + ".json")
	if !strings.Contains(string(stdin), `"incident":"`+res[1].Incident+`"`) {
		t.Fatalf("command stdin %s", stdin)
	}
	st, _ := reg.OutboxStats(ctx)
	if st["hook:idm"].Delivered != 2 || st["hook:idm"].Pending != 0 || st["hook:block"].Delivered != 2 {
		t.Fatalf("outbox %+v", st)
	}
	if n := r.Counts()["idm"]; n["retry"] != 2 || n["delivered"] != 2 {
		t.Fatalf("counts %+v", n)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	hs, err := Load([]config.Hook{{Name: "broken", MaxAttempts: 3, Command: []string{"/bin/false"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	reg, err := register.Open(ctx, t.TempDir(), register.Options{Now: c.now, Location: time.UTC, Outbox: Outbox(hs)})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	reg.Add(ctx, []hit.Hit{newHit("a", hit.SeverityHigh, "threshold", 0)})
	r := NewRunner(reg, hs, slog.New(slog.DiscardHandler))
	r.now = c.now
	for range 5 {
		r.deliverDue(ctx, hs[0])
		c.add(2 * time.Hour)
	}
	st, _ := reg.OutboxStats(ctx)
	if got := st["hook:broken"]; got.Failed != 1 || got.Pending != 0 {
		t.Fatalf("stats %+v: want one delivery given up after 3 attempts", got)
	}
	if n := r.Counts()["broken"]; n["retry"] != 2 || n["failed"] != 1 {
		t.Fatalf("counts %+v", n)
	}
}

func TestBackoffAndLoad(t *testing.T) {
	for attempts, want := range map[int]time.Duration{0: 10 * time.Second, 1: 20 * time.Second, 3: 80 * time.Second, 20: time.Hour} {
		if got := backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
	short := filepath.Join(t.TempDir(), "s")
	os.WriteFile(short, []byte("tooshort"), 0o600)
	_, err := Load([]config.Hook{{Name: "a", Webhook: &config.Webhook{URL: "https://x", SecretFile: short}},
		{Name: "b", Webhook: &config.Webhook{URL: "https://x", SecretFile: "/nonexistent"}}})
	if err == nil || !strings.Contains(err.Error(), "16 bytes") || !strings.Contains(err.Error(), "hooks.1 (b)") {
		t.Fatalf("err %v", err)
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("a\x00b\nc\x7f-d"); got != "a?b?c?-d" {
		t.Fatalf("printable = %q", got)
	}
}
