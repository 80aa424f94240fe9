package daemon

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
)

// TestParseFromAPipeStreams: lekwacht parse writes its output buffered, but a line read from a pipe
// gives its event as soon as no more input waits (tail -f | lekwacht parse), before stdin ends.
func TestParseFromAPipeStreams(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := Parse(context.Background(), "sshd", parse.Options{Input: "ssh"}, nil, inR, outW, io.Discard)
		outW.CloseWithError(err)
		done <- err
	}()
	out := bufio.NewReader(outR)
	for i, user := range []string{"beheer", "jdevries"} {
		go inW.Write([]byte("Nov 20 09:00:0" + string(rune('1'+i)) + " app01 sshd[1001]: Accepted password for " + user + " from 10.20.1.5 port 50022 ssh2\n"))
		line, err := out.ReadString('\n')
		if err != nil || !strings.Contains(line, `"name":"`+user+`"`) {
			t.Fatalf("event %d while stdin is open: %q, %v", i+1, line, err)
		}
	}
	inW.Close()
	if _, err := out.ReadString('\n'); err != io.EOF {
		t.Fatalf("after stdin ended: %v, want the end of the output", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
