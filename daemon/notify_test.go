package daemon

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

// TestSystemdNotify listens on a notify socket as systemd does for Type=notify with WatchdogSec:
// the daemon says READY=1 once running, pings WATCHDOG=1 while checkpoints come, STOPPING=1 at the end.
func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "400000") // 0.4 s: pings every 0.2 s
	cfg := testConfig(t, dir)
	_, stop := start(t, cfg, nil)
	seen := map[string]int{}
	buf := make([]byte, 256)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for seen["READY=1"] == 0 || seen["WATCHDOG=1"] < 2 {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("notifications so far %v: %v", seen, err)
		}
		seen[string(buf[:n])]++
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for seen["STOPPING=1"] == 0 {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no STOPPING=1: %v %v", seen, err)
		}
		seen[string(buf[:n])]++
	}
}
