// Command throughput is make bench's report for the collectors: per format, the rate of a plain
// line read of a generated file, of parsing it, and of tailing and parsing it, with ratios to the
// plain read measured in the same run; then memory while following many files and the latency from
// an appended line to its delivery. It prints figures; it does not pass or fail.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/bench/internal/corpus"
	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/tail"
)

var (
	sizeMB   = flag.Int("size", 1024, "size of each generated file in MB")
	only     = flag.String("formats", "", "comma-separated formats (default all)")
	dir      = flag.String("dir", "", "work folder (default a temporary one, removed afterwards)")
	files    = flag.Int("files", 500, "files followed at once for the memory figure")
	appends  = flag.Int("appends", 200, "appended lines for the latency figure")
	repoRoot = flag.String("repo", ".", "repository root (for collectors/*/testdata)")
)

func main() {
	flag.Parse()
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "lekwacht-bench-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	fmt.Printf("lekwacht collectors benchmark: GOMAXPROCS=%d, %s/%s, %d MB per format, %s\n\n",
		runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, *sizeMB, time.Now().Format(time.RFC3339))
	fmt.Printf("%-18s %10s | %10s %9s | %10s %9s %6s | %10s %9s %6s\n",
		"FORMAT", "LINES", "PLAIN MB/s", "lines/s", "PARSE MB/s", "lines/s", "ratio", "TAIL+PARSE", "lines/s", "ratio")
	for _, f := range collectors.Formats() {
		if *only != "" && !contains(strings.Split(*only, ","), f.Name) {
			continue
		}
		if err := benchFormat(work, f); err != nil {
			fmt.Printf("%-18s error: %v\n", f.Name, err)
		}
	}
	fmt.Println()
	if err := benchFollow(work); err != nil {
		fmt.Println("follow: error:", err)
	}
}

func benchFormat(work string, f collectors.Format) error {
	c, err := corpus.Make(*repoRoot, work, f, *sizeMB)
	if err != nil {
		return err
	}
	defer os.Remove(c.Path)
	path, opts, n, mb := c.Path, c.Opts, c.Lines, c.MB

	plain, err := timeIt(func() error { return plainRead(path) })
	if err != nil {
		return err
	}
	parseOnly, err := timeIt(func() error { return parseFile(path, f, opts) })
	if err != nil {
		return err
	}
	tailed, err := timeIt(func() error { return tailFile(path, n, f, opts) })
	if err != nil {
		return err
	}
	rate := func(d time.Duration) (float64, float64) { return mb / d.Seconds(), float64(n) / d.Seconds() }
	pm, pl := rate(plain)
	am, al := rate(parseOnly)
	tm, tl := rate(tailed)
	fmt.Printf("%-18s %10d | %10.0f %9.0f | %10.0f %9.0f %5.0f%% | %10.0f %9.0f %5.0f%%\n",
		f.Name, n, pm, pl, am, al, 100*am/pm, tm, tl, 100*tm/pm)
	return nil
}

func timeIt(fn func() error) (time.Duration, error) {
	runtime.GC()
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

// plainRead is the reference: the same file read line by line, nothing else done.
func plainRead(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 256<<10)
	var n int
	for {
		l, err := r.ReadSlice('\n')
		n += len(l)
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
	if n == 0 {
		return errors.New("empty")
	}
	return nil
}

func parseFile(path string, f collectors.Format, opts parse.Options) error {
	p, err := f.New(opts)
	if err != nil {
		return err
	}
	in := &collectors.Input{Name: "bench", Format: f.Name, Parser: p, Counters: &collectors.Counters{}}
	err = collectors.ReadFile(context.Background(), path, 0, nil, func(l parse.Line) error {
		_, err := in.Handle(l)
		return err
	})
	if r := in.Counters.RejectedTotal(); r > 0 {
		return fmt.Errorf("%d lines rejected", r)
	}
	return err
}

func tailFile(path string, lines int64, f collectors.Format, opts parse.Options) error {
	p, err := f.New(opts)
	if err != nil {
		return err
	}
	in := &collectors.Input{Name: "bench", Format: f.Name, Parser: p, Counters: &collectors.Counters{}}
	t, err := tail.New(tail.Config{Paths: []string{path}}, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- t.Run(ctx) }()
	for i := int64(0); i < lines; i++ {
		l, err := t.Next(ctx)
		if err != nil {
			return err
		}
		if _, err := in.Handle(l.Line); err != nil {
			return err
		}
		t.Ack(l)
	}
	cancel()
	<-done
	return nil
}

// benchFollow follows many files, measures resident memory, and the delay from appending a line to
// one of them to Next returning it.
func benchFollow(work string) error {
	d := filepath.Join(work, "follow")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	line := []byte("Nov 23 10:00:00 srv sshd[4242]: Accepted password for jansen from 192.0.2.7 port 50122 ssh2\n")
	for i := 0; i < *files; i++ {
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%04d.log", i)), line, 0o644); err != nil {
			return err
		}
	}
	t, err := tail.New(tail.Config{Paths: []string{filepath.Join(d, "*.log")}}, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go t.Run(ctx)
	for i := 0; i < *files; i++ { // the first line of every file
		l, err := t.Next(ctx)
		if err != nil {
			return err
		}
		t.Ack(l)
	}
	runtime.GC()
	fmt.Printf("following %d files: RSS %.1f MB, Go heap %.1f MB\n", *files, rssMB(), heapMB())

	var lat []time.Duration
	for i := 0; i < *appends; i++ {
		fh, err := os.OpenFile(filepath.Join(d, fmt.Sprintf("f%04d.log", i%*files)), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		start := time.Now()
		fh.Write(line)
		fh.Close()
		lctx, lcancel := context.WithTimeout(ctx, 5*time.Second)
		l, err := t.Next(lctx)
		lcancel()
		if err != nil {
			return fmt.Errorf("appended line %d not delivered: %w", i, err)
		}
		lat = append(lat, time.Since(start))
		t.Ack(l)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("append -> line delivered (fsnotify, %d appends over %d files): p50 %v, p99 %v, max %v\n",
		len(lat), *files, q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

func heapMB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
