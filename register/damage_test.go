package register

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

// TestDamagedRegisterIsNeverReplacedSilently: a register.db whose header was overwritten is refused
// with a clear error, and the file is left exactly as it was (no fresh register created over it).
func TestDamagedRegisterIsNeverReplacedSilently(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	add(t, r, lineHit("a.bakker", t0, 0, 100))
	r.Close()
	path := filepath.Join(dir, DBFile)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	f, _ := os.OpenFile(path, os.O_WRONLY, 0)
	f.WriteAt([]byte("this is no database header at all"), 0)
	f.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(context.Background(), dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a database") || !strings.Contains(err.Error(), path) {
		t.Fatalf("open of a damaged register: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("the damaged register was changed by the failed open")
	}
	t.Logf("RELIABILITY | register.db header damaged | 34 bytes overwritten | refused with %q; file untouched, nothing replaced", err)
}

// TestDamagedPageIsFound: bytes changed in the middle of the file (a bad disk, an editor) are not
// silently accepted: verify reports them, or SQLite refuses the file.
func TestDamagedPageIsFound(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		add(t, r, lineHit("a.bakker", t0.Add(time.Duration(i)*time.Second), int64(i)*1000))
	}
	r.Close() // checkpoints the WAL into register.db
	path := filepath.Join(dir, DBFile)
	b, _ := os.ReadFile(path)
	// The evidence text of one line, somewhere in a page: change one letter.
	i := strings.LastIndex(string(b), `"offset":23000`)
	if i < 0 {
		t.Fatal("no evidence text found in the file to damage")
	}
	b[i+1] = 'X'
	os.WriteFile(path, b, 0o600)
	r, err = Open(context.Background(), dir, Options{})
	if err != nil {
		t.Logf("RELIABILITY | a page of register.db changed | one byte of an evidence line | refused at open (%v)", err)
		return
	}
	defer r.Close()
	rep, err := r.Verify(context.Background())
	if err == nil && rep.OK() {
		t.Fatal("a changed evidence byte passed verify")
	}
	t.Logf("RELIABILITY | a page of register.db changed | one byte of an evidence line | verify reports it (%v)", firstProblem(rep, err))
}

// TestLockedRegister: while another process holds the register's write lock, a write waits its
// busy timeout and then fails with a clear error, writing nothing; once the lock is gone it works.
func TestLockedRegister(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(context.Background(), dir, Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	_, err = r.Add(context.Background(), []hit.Hit{lineHit("a.bakker", t0, 0)})
	if err == nil || !(strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "BUSY")) {
		t.Fatalf("a write against a held lock: %v", err)
	}
	conn.ExecContext(context.Background(), "ROLLBACK")
	conn.Close()
	if res, err := r.Add(context.Background(), []hit.Hit{lineHit("a.bakker", t0, 0)}); err != nil || !res[0].Created || res[0].Added != 1 {
		t.Fatalf("after the lock is gone: %+v %v", res, err)
	}
	incs, _ := r.List(context.Background(), Filter{})
	if len(incs) != 1 || incs[0].EvidenceCount != 1 {
		t.Fatalf("the failed write left something behind: %+v", incs)
	}
	t.Logf("RELIABILITY | register locked by another process | an exclusive lock held past the busy timeout | the write fails with %q and leaves nothing; works once released; lost 0", "database is locked")
}

func firstProblem(rep *Report, err error) string {
	if err != nil {
		return err.Error()
	}
	b, _ := json.Marshal(rep)
	if len(b) > 160 {
		b = append(b[:160], "..."...)
	}
	return string(b)
}
