package collectors

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
)

func collect(t *testing.T, path string, maxLine int) []parse.Line {
	t.Helper()
	var out []parse.Line
	err := ReadFile(context.Background(), path, maxLine, nil, func(l parse.Line) error {
		l.Text = append([]byte(nil), l.Text...)
		out = append(out, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadFileOffsetsAndLongLines(t *testing.T) {
	long := strings.Repeat("x", 10<<20) // a 10 MB line between two good ones
	body := "first\r\n" + long + "\nafter\nno-newline"
	p := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	got := collect(t, p, 1024)
	if len(got) != 4 {
		t.Fatalf("got %d lines, want 4", len(got))
	}
	want := []struct {
		text      string
		off, num  int64
		truncated bool
	}{
		{"first", 0, 1, false},
		{long[:1024], 7, 2, true},
		{"after", int64(7 + len(long) + 1), 3, false},
		{"no-newline", int64(7 + len(long) + 1 + 6), 4, false},
	}
	for i, w := range want {
		g := got[i]
		if string(g.Text) != w.text || g.Offset != w.off || g.Number != w.num || g.Truncated != w.truncated {
			t.Errorf("line %d: got %.20q off=%d num=%d trunc=%v, want %.20q %d %d %v", i+1, g.Text, g.Offset, g.Number, g.Truncated, w.text, w.off, w.num, w.truncated)
		}
	}
	// The offset points at the line in the file.
	if body[got[2].Offset:got[2].Offset+5] != "after" {
		t.Error("offset of the line after the long one is off")
	}
}

func TestReadFileGzip(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("a\nbb\n"))
	zw.Close()
	p := filepath.Join(t.TempDir(), "mail.log.2.gz")
	os.WriteFile(p, b.Bytes(), 0o600)
	got := collect(t, p, 0)
	if len(got) != 2 || string(got[1].Text) != "bb" || got[1].Offset != 2 {
		t.Fatalf("gz lines: %+v", got)
	}
}

func TestRejectsKeepLineAndCutToCheckpoint(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rejects", "mail.jsonl")
	r, err := OpenRejects(p, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Write("mail", parse.Line{Text: []byte("ok line"), Path: "/x", Offset: 3}, parse.ReasonSyntax, "syntax"); err != nil {
		t.Fatal(err)
	}
	size, _ := r.Sync()
	r.Write("mail", parse.Line{Text: []byte{0xff, 0xfe}, Path: "/x", Offset: 9}, parse.ReasonInvalidUTF8, "bad")
	r.Close()
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("rejects mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(p)
	if !strings.Contains(string(data), `"text":"ok line"`) || !strings.Contains(string(data), `"text_base64":"//4="`) {
		t.Fatalf("rejects file: %s", data)
	}
	// A restart from the checkpoint taken after the first line cuts the second off.
	r, err = OpenRejects(p, size)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	data, _ = os.ReadFile(p)
	if strings.Count(string(data), "\n") != 1 {
		t.Fatalf("after cut: %s", data)
	}
}

// TestOutputSurvivesCopytruncate: logrotate's copytruncate empties an output lekwacht holds open;
// what is written next starts at the new beginning, with no hole of zeros.
func TestOutputSurvivesCopytruncate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.jsonl")
	f, _, err := OpenOutput(p, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("one\ntwo\n")
	if err := os.Truncate(p, 0); err != nil { // copytruncate, after copying
		t.Fatal(err)
	}
	f.WriteString("three\n")
	b, _ := os.ReadFile(p)
	if string(b) != "three\n" {
		t.Fatalf("after copytruncate the file holds %q", b)
	}
	// And a restart still cuts back to the checkpoint's length.
	f.Close()
	os.WriteFile(p, []byte("kept\nnot checkpointed\n"), 0o600)
	g, n, err := OpenOutput(p, 5)
	if err != nil || n != 5 {
		t.Fatal(n, err)
	}
	g.WriteString("next\n")
	g.Close()
	if b, _ := os.ReadFile(p); string(b) != "kept\nnext\n" {
		t.Fatalf("cut back: %q", b)
	}
}
