package daemon

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/tail"
	"github.com/lekwacht/lekwacht/config"
)

// TestCheckpointLeavesOutARejectNotYetAcknowledged: run parses outside the pipeline lock, so a line
// can be parsed (and its reject record written) while a checkpoint is taken, before the line is
// acknowledged. The checkpoint must then record the rejects file without that record, as its
// positions do not hold the line: after a crash the line is read again and its record written once.
func TestCheckpointLeavesOutARejectNotYetAcknowledged(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	good := "Nov 20 09:00:01 app01 sshd[1001]: Accepted password for beheer from 10.20.1.5 port 50022 ssh2\n"
	if err := os.WriteFile(log, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "Europe/Amsterdam"}, Register: config.Register{Dir: filepath.Join(dir, "reg")},
		Inputs: []config.Input{{Name: "ssh", Format: "sshd", Paths: []string{log}}}}
	d, stop := start(t, cfg, nil)
	in := d.inputs[0]
	waitFor(t, "the good line acknowledged", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		ps := d.tails[0].Positions()
		return len(ps) == 1 && ps[0].Offset == int64(len(good))
	}, nil)
	before := in.rejects.Size()

	// The pipeline lock held: the next line is parsed, its reject written, and its acknowledgement waits.
	d.mu.Lock()
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		d.mu.Unlock()
		t.Fatal(err)
	}
	f.WriteString("this is no syslog line\n")
	f.Close()
	waitFor(t, "the bad line parsed and its reject written", func() bool { return in.rejects.Size() > before }, nil)
	err = d.checkpointLocked()
	d.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tail.LoadCheckpoint(d.cpPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := cp.Inputs["ssh"][0].Offset; got != int64(len(good)) {
		t.Fatalf("checkpoint position %d: want %d (the bad line not acknowledged yet)", got, len(good))
	}
	if got := cp.Sinks["rejects/ssh"]; got != before {
		t.Fatalf("checkpoint records rejects file length %d: want %d, without the record of the line its positions leave out", got, before)
	}

	// Once acknowledged, the next checkpoint holds both.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if cp, err = tail.LoadCheckpoint(d.cpPath); err != nil {
		t.Fatal(err)
	}
	if got := cp.Sinks["rejects/ssh"]; got <= before || cp.Inputs["ssh"][0].Offset <= int64(len(good)) {
		t.Fatalf("final checkpoint: rejects %d (before the bad line %d), position %d", got, before, cp.Inputs["ssh"][0].Offset)
	}
}
