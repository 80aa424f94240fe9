package daemon

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/server"
)

// TestTokenLastUsed: a request a token authenticates records, by the daemon's clock, when the token
// was last used, in register.dir/tokens-used.json; a refused secret records nothing.
func TestTokenLastUsed(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.yaml")
	secret, err := server.AddToken(tokens, "fg.gerritsen", server.RoleFG)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.AddToken(tokens, "nooit.gebruikt", server.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(dir, "auth.log")}})
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TokensFile: tokens}
	clock := &testClock{now: time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)}
	d, _ := startWith(t, cfg, nil, func(d *Daemon) { d.now = clock.Now })
	base := "http://" + d.Addr()
	if code, _ := get(t, base+"/api/v1/incidents", "lw_not-a-token"); code != http.StatusUnauthorized {
		t.Fatalf("a wrong secret: %d", code)
	}
	if code, body := get(t, base+"/api/v1/incidents", secret); code != http.StatusOK {
		t.Fatalf("the token: %d %s", code, body)
	}
	var used map[string]time.Time
	waitFor(t, "the use recorded", func() bool {
		used, _ = LoadTokensUsed(cfg.Register.Dir)
		return !used["fg.gerritsen"].IsZero()
	}, nil)
	if !used["fg.gerritsen"].Equal(clock.Now()) || len(used) != 1 {
		t.Errorf("uses %v, want fg.gerritsen at %s only", used, clock.Now())
	}
}

// TestTokenUseByTheMinute: uses within a minute of the last one recorded write nothing; a later one
// is saved.
func TestTokenUseByTheMinute(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	u := newTokenUse(dir)
	u.note("a", t0)
	if err := u.save(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, TokensUsedFile))
	u.note("a", t0.Add(30*time.Second))
	u.save()
	if st2, _ := os.Stat(filepath.Join(dir, TokensUsedFile)); !os.SameFile(st, st2) {
		t.Error("a use within the minute rewrote the file")
	}
	u.note("a", t0.Add(2*time.Minute))
	u.save()
	if used, err := LoadTokensUsed(dir); err != nil || !used["a"].Equal(t0.Add(2*time.Minute)) {
		t.Errorf("after two minutes: %v %v", used, err)
	}
	if again := newTokenUse(dir); !again.last["a"].Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("a restart forgot the use: %v", again.last)
	}
}
