package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// TestReplayOpensDraftIncidents replays a Samba audit log in which one account deletes 120 files in
// two minutes (the shipped rule lw-threshold-share-deletes: 100 distinct files in 10 minutes) and
// another deletes a few; then replays it again, as after a restart.
func TestReplayOpensDraftIncidents(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 120 {
		fmt.Fprintf(&b, "Nov 20 09:%02d:%02d fs01 smbd_audit[4121]: VOORBEELD\\jdevries|10.20.1.15|WS-0042|burgerzaken|unlinkat|ok|/srv/shares/burgerzaken/f%03d.docx\n", 10+i/60, i%60, i)
	}
	for i := range 5 {
		fmt.Fprintf(&b, "Nov 20 10:00:%02d fs01 smbd_audit[4122]: VOORBEELD\\kbakker|10.20.1.16|WS-0043|burgerzaken|unlinkat|ok|/srv/shares/burgerzaken/k%d.docx\n", i, i)
	}
	log := filepath.Join(dir, "audit.log")
	os.WriteFile(log, []byte(b.String()), 0o600)
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "Europe/Amsterdam"}, Register: config.Register{Dir: filepath.Join(dir, "reg")}}
	opts := ReplayOptions{Files: []string{log}, Format: "samba-audit"}
	sum, err := Replay(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 125 || sum.Incidents != 1 || sum.Hits != 21 {
		t.Fatalf("first replay: %s, %d hits; want 125 events, 1 incident, 21 hits (the crossing and 20 more)", sum, sum.Hits)
	}
	sum, err = Replay(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 0 {
		t.Fatalf("second replay opened %d incidents", sum.Incidents)
	}
	r, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, _ := r.List(context.Background(), register.Filter{})
	if len(list) != 1 || list[0].User != `jdevries` || list[0].EvidenceCount != 120 || list[0].Rule != "lw-threshold-share-deletes" {
		t.Fatalf("incidents %+v", list)
	}
	in, err := r.Show(context.Background(), list[0].ID, "test", "show")
	if err != nil {
		t.Fatal(err)
	}
	if e := in.Evidence[0]; !strings.Contains(e.Text, "f000.docx") || e.Source != log || e.Offset != 0 || e.Line != 1 {
		t.Errorf("first evidence item %+v: want the original first line with file, offset and line", e)
	}
	if rep, err := r.Verify(context.Background()); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
