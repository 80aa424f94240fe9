package main

import (
	"bufio"
	"fmt"
	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sample is one scrape of /metrics with the feeder's figures at that moment.
type sample struct {
	at         time.Duration // since the feeding started
	fed        int64         // lines written to the live logs
	read       int64         // lekwacht_lines_total, summed over the inputs
	lag        int64         // lekwacht_lag_bytes, summed over the followed files
	behind     time.Duration // wall-clock age of the oldest line fed and not yet read
	incidents  int64         // lekwacht_incidents, summed over the statuses
	rss, heap  float64       // process_resident_memory_bytes, go_memstats_heap_inuse_bytes
	goroutines int64         // go_goroutines
	fds        int64         // process_open_fds
	files      int64         // lekwacht_followed_files, summed over the inputs
}

// sampleHeader names the columns: unread is lines fed - lines read; lag KB is the daemon's
// lekwacht_lag_bytes; lag s is how long ago the oldest unread line was fed, and that in time of input.
const sampleHeader = "    time   lines fed  lines read  unread    lag KB  lag s (of input)  incidents  RSS MB  heap MB  goroutines  fds  files"

func (s sample) String() string {
	return fmt.Sprintf("%8s  %10d  %10d  %6d  %8.1f  %5.1f s (%7s)  %9d  %6.1f  %7.1f  %10d  %3d  %5d",
		s.at.Round(time.Second), s.fed, s.read, s.fed-s.read, float64(s.lag)/1024, s.behind.Seconds(), inputTime(s.behind),
		s.incidents, s.rss/(1<<20), s.heap/(1<<20), s.goroutines, s.fds, s.files)
}

// inputTime is a wall-clock lag in time of the input: what the feeder wrote meanwhile.
func inputTime(d time.Duration) string {
	return time.Duration(float64(d) * *speed).Round(time.Second).String()
}

var scraper = &http.Client{Timeout: 10 * time.Second}

// takeSample scrapes the daemon's /metrics; an error when the daemon has gone or does not answer.
func takeSample(d *lwrun.Daemon, feed *feeder) (sample, error) {
	if err := d.Exited(); err != nil {
		return sample{}, err
	}
	// Lines fed and lines read are compared: scrape again when the feeder wrote during the scrape.
	var fed int64
	var m map[string]float64
	for try := 0; try < 5; try++ {
		before, _ := feed.fed()
		var err error
		if m, err = scrape("http://" + d.Addr + "/metrics"); err != nil {
			return sample{}, err
		}
		if fed, _ = feed.fed(); fed == before {
			break
		}
	}
	now := time.Now()
	s := sample{at: now.Sub(feed.start), fed: fed, read: int64(m["lekwacht_lines_total"]), lag: int64(m["lekwacht_lag_bytes"]),
		incidents: int64(m["lekwacht_incidents"]), rss: m["process_resident_memory_bytes"], heap: m["go_memstats_heap_inuse_bytes"],
		goroutines: int64(m["go_goroutines"]), fds: int64(m["process_open_fds"]), files: int64(m["lekwacht_followed_files"])}
	s.behind = feed.behind(s.read, now)
	return s, nil
}

// scrape reads Prometheus' text format into the sum of each metric's series.
func scrape(url string) (map[string]float64, error) {
	resp, err := scraper.Get(url)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return nil, fmt.Errorf("scrape %s: %s: %s", url, resp.Status, b)
	}
	sums := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := series(sc.Text())
		if ok {
			sums[name] += value
		}
	}
	return sums, sc.Err()
}

// series splits a sample line, `name{labels} value [timestamp]`, into the name and the value.
func series(line string) (string, float64, bool) {
	if line == "" || line[0] == '#' {
		return "", 0, false
	}
	end := strings.IndexAny(line, "{ ")
	if end < 0 {
		return "", 0, false
	}
	rest := line[end:]
	if rest[0] == '{' {
		i := strings.LastIndexByte(rest, '}')
		if i < 0 {
			return "", 0, false
		}
		rest = rest[i+1:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	return line[:end], v, err == nil
}
