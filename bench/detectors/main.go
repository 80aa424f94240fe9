// Command detectors is make bench's report for the detection engine: the replay overhead of running
// the shipped rules over parsing alone, per format, for generated logs of many users; and the memory
// of an engine with a million distinct users in flight. It prints figures; it does not pass or fail.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/rules"
)

var (
	users    = flag.Int("users", 1_000_000, "distinct users in flight for the memory figure")
	lines    = flag.Int("lines", 2_000_000, "lines in the generated logs (split over the formats)")
	logUser  = flag.Int("log-users", 5_000, "distinct users in the generated logs")
	dir      = flag.String("dir", "", "work folder (default a temporary one, removed afterwards)")
	memOnly  = flag.Bool("memory-only", false, "only the memory figure (run in a fresh process by the report)")
	cpuProf  = flag.String("cpuprofile", "", "write a CPU profile of the replay figures (with -memory-only: of the memory figure) to this file")
	memProf  = flag.String("memprofile", "", "with -memory-only: write a heap profile with the users in flight to this file")
	memState = flag.Int("state-size", 0, "with -memory-only: StateSize of the engine (0: as the replay, 1,000,000)")
	formats  = flag.String("formats", "samba-audit,winlog-json", "the formats of the replay figures, comma-separated")
)

const (
	goalOverhead = 30.0 // percent
	goalMemoryMB = 300.0
	stateSize    = 1_000_000
)

// day is the working day the generated logs cover (UTC).
var day = time.Date(2026, 11, 20, 7, 30, 0, 0, time.UTC)

func env(size int) detectors.Env {
	return detectors.Env{Location: time.UTC, StateSize: size, OwnDomains: []string{"voorbeeld.nl"}}
}

func newEngine() *detectors.Engine { return newEngineSized(stateSize) }

func newEngineSized(size int) *detectors.Engine {
	set, err := rules.Load("")
	if err != nil {
		fail(err)
	}
	e, missing, err := detectors.New(set, env(size))
	if err != nil {
		fail(err)
	}
	if len(missing) > 0 {
		fmt.Printf("rules without a detector: %v\n", missing)
	}
	return e
}

func main() {
	flag.Parse()
	if *memOnly {
		if *cpuProf != "" {
			f, err := os.Create(*cpuProf)
			if err != nil {
				fail(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fail(err)
			}
			defer pprof.StopCPUProfile()
		}
		size := *memState
		if size <= 0 {
			size = stateSize
		}
		benchMemory(*users, size)
		return
	}
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "lekwacht-detectors-bench-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o700); err != nil {
		fail(err)
	}
	fmt.Printf("lekwacht detectors benchmark: GOMAXPROCS=%d, %s/%s, %s, %d rules\n\n",
		runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, time.Now().Format(time.RFC3339), len(newEngine().Rules()))

	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("1. replay overhead of the detectors over parsing alone (%d users, best of 2 runs each)\n", *logUser)
	fmt.Printf("%-12s %10s | %12s | %12s %8s %8s | %8s\n", "FORMAT", "LINES", "PARSE l/s", "+DETECT l/s", "events", "hits", "overhead")
	samples := []struct {
		format string
		gen    func(w *bufio.Writer, n, users int)
	}{
		{"samba-audit", genSamba},
		{"winlog-json", genWinlog},
	}
	samples = slices.DeleteFunc(samples, func(s struct {
		format string
		gen    func(w *bufio.Writer, n, users int)
	}) bool {
		return !slices.Contains(strings.Split(*formats, ","), s.format)
	})
	var totParse, totDetect time.Duration
	var totLines int64
	for i, s := range samples {
		n := *lines / len(samples)
		if i == len(samples)-1 {
			n = *lines - n*(len(samples)-1)
		}
		file := filepath.Join(work, s.format+".log")
		if err := generate(file, n, s.gen); err != nil {
			fail(err)
		}
		parseOnly, parsed := best(func() result { return replay(s.format, file, nil) })
		withDet, detected := best(func() result { return replay(s.format, file, newEngine()) })
		if parsed.lines != detected.lines || parsed.events != detected.events {
			fmt.Printf("%-12s odd: parse-only saw %d lines/%d events, with detectors %d/%d\n",
				s.format, parsed.lines, parsed.events, detected.lines, detected.events)
		}
		if parsed.rejected > 0 {
			fmt.Printf("%-12s note: %d lines rejected by the parser\n", s.format, parsed.rejected)
		}
		fmt.Printf("%-12s %10d | %12.0f | %12.0f %8d %8d | %7.1f%%\n", s.format, parsed.lines,
			rate(parsed.lines, parseOnly), rate(detected.lines, withDet), detected.events, detected.hits, overhead(parseOnly, withDet))
		totParse += parseOnly
		totDetect += withDet
		totLines += parsed.lines
		os.Remove(file)
	}
	fmt.Printf("%-12s %10d | %12.0f | %12.0f %8s %8s | %7.1f%%  (goal at most %.0f%%)\n\n", "all", totLines,
		rate(totLines, totParse), rate(totLines, totDetect), "", "", overhead(totParse, totDetect), goalOverhead)

	pprof.StopCPUProfile()
	// The memory figures in a fresh process each, so that the replay above does not weigh on their
	// RSS: with the default state size (the oldest groups evicted) and with room for every user.
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	// Third: the default state size under the soft memory limit the systemd unit sets
	// (GOMEMLIMIT=256MiB): the garbage collector works harder instead of letting RSS double the heap.
	for _, run := range []struct {
		size  int
		limit string
	}{{detectors.DefaultStateSize, ""}, {max(*users, stateSize), ""}, {detectors.DefaultStateSize, "256MiB"}} {
		cmd := exec.Command(self, "-memory-only", "-users", strconv.Itoa(*users), "-state-size", strconv.Itoa(run.size))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		cmd.Env = os.Environ()
		if run.limit != "" {
			cmd.Env = append(cmd.Env, "GOMEMLIMIT="+run.limit)
		}
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("memory figure: %w", err))
		}
	}
	fmt.Printf("\nSUMMARY detectors: replay overhead over parsing alone %.1f%% (goal at most %.0f%%), %.0f lines/s with the detectors (%s)\n",
		overhead(totParse, totDetect), goalOverhead, rate(totLines, totDetect), *formats)
}

type result struct {
	lines, events, rejected, hits int64
}

// best runs fn twice and returns the faster time.
func best(fn func() result) (time.Duration, result) {
	var fastest time.Duration
	var res result
	for i := 0; i < 2; i++ {
		runtime.GC()
		start := time.Now()
		r := fn()
		took := time.Since(start)
		if i == 0 || took < fastest {
			fastest, res = took, r
		}
	}
	return fastest, res
}

// replay reads a file through its format's parser and, when e is not nil, feeds every event to e.
func replay(format, file string, e *detectors.Engine) result {
	p, err := collectors.NewParser(format, parse.Options{
		Input: format, Location: time.UTC, Reference: func() time.Time { return day.Add(24 * time.Hour) },
	})
	if err != nil {
		fail(err)
	}
	in := &collectors.Input{Name: format, Format: format, Parser: p, Counters: &collectors.Counters{}}
	var r result
	observe := func(evs []event.Event) {
		r.events += int64(len(evs))
		if e == nil {
			return
		}
		for i := range evs {
			r.hits += int64(len(e.Observe(&evs[i])))
		}
	}
	err = collectors.ReadFile(context.Background(), file, 0, nil, func(l parse.Line) error {
		evs, err := in.Handle(l)
		observe(evs)
		return err
	})
	if err != nil {
		fail(err)
	}
	observe(in.Flush())
	r.lines = in.Counters.Lines.Load()
	r.rejected = in.Counters.RejectedTotal()
	return r
}

func rate(n int64, d time.Duration) float64 { return float64(n) / d.Seconds() }

func overhead(a, b time.Duration) float64 { return 100 * (b - a).Seconds() / a.Seconds() }

func generate(file string, n int, gen func(w *bufio.Writer, n, users int)) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	gen(w, n, *logUser)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var (
	initials = "abcdefghijklmnopqrstuvwxyz"
	surnames = []string{"devries", "jansen", "bakker", "visser", "smit", "meijer", "mulder", "deboer", "bos", "vos",
		"peters", "hendriks", "dekker", "brouwer", "dijkstra", "vandijk", "vandenberg", "degroot", "willems", "kok"}
	shares = []string{"burgerzaken", "financien", "sociaal-domein", "ruimte", "archief", "personeelszaken", "juridisch", "ict"}
	docs   = []string{"overzicht.xlsx", "besluit.docx", "aanvraag.pdf", "notulen.docx", "begroting.xlsx", "brief.odt", "scan-0042.pdf", "lijst.csv"}
)

// user is one generated employee: account, workstation, address and department share.
type user struct {
	name, ws, ip, share string
}

func makeUsers(n int) []user {
	us := make([]user, n)
	for i := range us {
		us[i] = user{
			name:  fmt.Sprintf("%c%s%d", initials[i%26], surnames[(i/26)%len(surnames)], i/(26*len(surnames))),
			ws:    fmt.Sprintf("WS-%04d", i),
			ip:    fmt.Sprintf("10.%d.%d.%d", 20+i/65025, (i/255)%255, i%255+1),
			share: shares[i%len(shares)],
		}
	}
	return us
}

// at spreads n lines evenly, increasing, over a working day of 10.5 hours from 07:30.
func at(i, n int) time.Time {
	return day.Add(time.Duration(int64(i) * int64(10*time.Hour+30*time.Minute) / int64(n)))
}

// rnd is a small deterministic generator (xorshift), so that every run writes the same file.
type rnd uint64

func (r *rnd) intn(n int) int {
	*r ^= *r << 13
	*r ^= *r >> 7
	*r ^= *r << 17
	return int(uint64(*r) % uint64(n))
}

// genSamba writes vfs_full_audit lines with the %u|%I|%m|%S prefix: mostly opens and reads, some
// renames and deletes, by users at their own workstation on their department's share.
func genSamba(w *bufio.Writer, n, nusers int) {
	us := makeUsers(nusers)
	r := rnd(42)
	for i := 0; i < n; i++ {
		u := us[r.intn(len(us))]
		t := at(i, n)
		fmt.Fprintf(w, "%s fs01 smbd_audit[%d]: VOORBEELD\\%s|%s|%s|afdeling-%s|", t.Format(time.Stamp), 4000+r.intn(2000), u.name, u.ip, u.ws, u.share)
		path := fmt.Sprintf("/srv/shares/%s/zaken/%d/%d/%s", u.share, 2020+r.intn(7), r.intn(500), docs[r.intn(len(docs))])
		switch k := r.intn(100); {
		case k < 45:
			fmt.Fprintf(w, "openat|ok|r|%s\n", path)
		case k < 55:
			fmt.Fprintf(w, "openat|ok|w|%s\n", path)
		case k < 85:
			fmt.Fprintf(w, "read|ok|%s\n", path)
		case k < 93:
			fmt.Fprintf(w, "renameat|ok|%s|%s.bak\n", path, path)
		case k < 99:
			fmt.Fprintf(w, "unlinkat|ok|%s\n", path)
		default:
			fmt.Fprintf(w, "unlinkat|fail (Permission denied)|%s\n", path)
		}
	}
}

// genWinlog writes Winlogbeat JSON lines: interactive logons at the user's own workstation, network
// logons to the file server, logoffs, the odd failed logon and file access events.
func genWinlog(w *bufio.Writer, n, nusers int) {
	us := makeUsers(nusers)
	r := rnd(7)
	for i := 0; i < n; i++ {
		ui := r.intn(len(us))
		u := us[ui]
		ts := at(i, n).Format("2006-01-02T15:04:05.0000000Z")
		sid := fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 1100+ui)
		lid := fmt.Sprintf("0x%x", 0x100000+r.intn(1<<20))
		switch k := r.intn(100); {
		case k < 30:
			fmt.Fprintf(w, `{"@timestamp":"%s","event":{"code":4624},"winlog":{"channel":"Security","computer_name":"%s.voorbeeld.local","event_id":4624,"keywords":["Audit Success"],"event_data":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"%s$","SubjectDomainName":"VOORBEELD","SubjectLogonId":"0x3e7","TargetUserSid":"%s","TargetUserName":"%s","TargetDomainName":"VOORBEELD","TargetLogonId":"%s","LogonType":"2","LogonProcessName":"User32 ","AuthenticationPackageName":"Negotiate","WorkstationName":"%s","IpAddress":"127.0.0.1","IpPort":"0"}}}`+"\n",
				ts, u.ws, u.ws, sid, u.name, lid, u.ws)
		case k < 60:
			fmt.Fprintf(w, `{"@timestamp":"%s","winlog":{"channel":"Security","computer_name":"FS01.voorbeeld.local","event_id":4624,"keywords":["Audit Success"],"event_data":{"TargetUserSid":"%s","TargetUserName":"%s","TargetDomainName":"VOORBEELD","TargetLogonId":"%s","LogonType":"3","LogonProcessName":"Kerberos","AuthenticationPackageName":"Kerberos","WorkstationName":"-","IpAddress":"%s","IpPort":"%d"}}}`+"\n",
				ts, sid, u.name, lid, u.ip, 49152+r.intn(16000))
		case k < 85:
			fmt.Fprintf(w, `{"@timestamp":"%s","winlog":{"channel":"Security","computer_name":"FS01.voorbeeld.local","event_id":4634,"event_data":{"TargetUserSid":"%s","TargetUserName":"%s","TargetDomainName":"VOORBEELD","TargetLogonId":"%s","LogonType":"3"}}}`+"\n",
				ts, sid, u.name, lid)
		case k < 88:
			fmt.Fprintf(w, `{"@timestamp":"%s","winlog":{"channel":"Security","computer_name":"%s.voorbeeld.local","event_id":4625,"keywords":["Audit Failure"],"event_data":{"TargetUserName":"%s","TargetDomainName":"VOORBEELD","LogonType":"2","Status":"0xc000006d","SubStatus":"0xc000006a","FailureReason":"%%%%2313","WorkstationName":"%s","IpAddress":"-","IpPort":"-"}}}`+"\n",
				ts, u.ws, u.name, u.ws)
		default:
			fmt.Fprintf(w, `{"@timestamp":"%s","winlog":{"channel":"Security","computer_name":"FS01.voorbeeld.local","event_id":4663,"keywords":["Audit Success"],"event_data":{"SubjectUserSid":"%s","SubjectUserName":"%s","SubjectDomainName":"VOORBEELD","SubjectLogonId":"%s","ObjectServer":"Security","ObjectType":"File","ObjectName":"D:\\Shares\\%s\\zaken\\%d\\%s","HandleId":"0x%x","AccessList":"%%%%4416","AccessMask":"0x1","ProcessId":"0x4","ProcessName":""}}}`+"\n",
				ts, sid, u.name, lid, u.share, r.intn(500), docs[r.intn(len(docs))], 0x100+r.intn(4096))
		}
	}
}

// benchMemory feeds an engine from the shipped rules three events for each of n distinct users
// within one hour, and reports the heap and RSS with all of them in flight.
func benchMemory(n, size int) {
	runtime.GC()
	base := heapInuse()
	e := newEngineSized(size)
	var hits int64
	obs := func(ev *event.Event) { hits += int64(len(e.Observe(ev))) }
	start := time.Now()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		t := t0.Add(time.Duration(int64(i) * int64(time.Hour) / int64(n)))
		name := fmt.Sprintf("m%07d", i)
		ws := fmt.Sprintf("WS-%d", i)
		ip := fmt.Sprintf("10.%d.%d.%d", 20+i/65025, (i/255)%255, i%255+1)
		share := shares[i%len(shares)]
		path := fmt.Sprintf("/srv/shares/%s/zaken/2026/%d/besluit.docx", share, i%500)
		del := event.Event{
			Time:   t,
			Event:  event.Kind{Category: event.CategoryFile, Action: event.ActionDelete, Outcome: event.OutcomeSuccess, Code: "unlinkat", Dataset: "samba-audit"},
			User:   event.User{Name: name, Domain: "VOORBEELD"},
			Host:   event.Host{Name: "fs01", Workstation: ws},
			Source: event.Endpoint{IP: ip},
			File:   &event.File{Path: path, Share: "afdeling-" + share, Operation: "unlinkat"},
			Log: event.Log{Input: "samba", Path: "/var/log/samba/audit.log", Offset: int64(i) * 450, Line: int64(3*i + 1),
				Original: fmt.Sprintf("%s fs01 smbd_audit[4121]: VOORBEELD\\%s|%s|%s|afdeling-%s|unlinkat|ok|%s", t.Format(time.Stamp), name, ip, ws, share, path)},
		}
		obs(&del)
		obj := fmt.Sprintf("zaak-%08d", i)
		view := event.Event{
			Time:  t.Add(time.Second),
			Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionView, Outcome: event.OutcomeSuccess, Code: "zaak.bekeken", Dataset: "json"},
			User:  event.User{Name: name, ID: strconv.Itoa(100000 + i)},
			Host:  event.Host{Name: "zaaksysteem01"},
			App:   &event.App{Name: "zaaksysteem", Action: "zaak.bekeken", Object: obj},
			Log: event.Log{Input: "zaaksysteem", Path: "/var/log/zaaksysteem/audit.jsonl", Offset: int64(i) * 450, Line: int64(3*i + 2),
				Original: fmt.Sprintf(`{"ts":"%s","user":"%s","uid":%d,"action":"zaak.bekeken","object":"%s","app":"zaaksysteem","ip":"%s"}`, t.Add(time.Second).Format(time.RFC3339), name, 100000+i, obj, ip)},
		}
		obs(&view)
		logon := event.Event{
			Time:   t.Add(2 * time.Second),
			Event:  event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogon, Outcome: event.OutcomeSuccess, Code: "4624", Dataset: "winlog"},
			User:   event.User{Name: name, Domain: "VOORBEELD", ID: fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 1100+i)},
			Host:   event.Host{Name: ws + ".voorbeeld.local", Workstation: ws},
			Source: event.Endpoint{IP: "127.0.0.1"},
			Logon:  &event.Logon{Type: "interactive", ID: fmt.Sprintf("0x%x", 0x100000+i), Method: "Negotiate", Process: "User32"},
			Log: event.Log{Input: "winlog", Path: "/var/log/winlogbeat/security.ndjson", Offset: int64(i) * 450, Line: int64(3*i + 3),
				Original: fmt.Sprintf(`{"@timestamp":"%s","winlog":{"event_id":4624,"event_data":{"TargetUserName":"%s","LogonType":"2","WorkstationName":"%s"}}}`, t.Add(2*time.Second).Format(time.RFC3339), name, ws)},
		}
		obs(&logon)
	}
	took := time.Since(start)
	runtime.GC()
	heap := heapInuse()
	rss := rssMB()
	limit := ""
	if l := os.Getenv("GOMEMLIMIT"); l != "" {
		limit = ", GOMEMLIMIT=" + l
	}
	fmt.Printf("2. memory with %d distinct users in flight (3 events each within 1h, StateSize %d%s%s)\n", n, size,
		map[bool]string{true: ", the default", false: ""}[size == detectors.DefaultStateSize], limit)
	fmt.Printf("   fed %d events in %.2f s (%.0f events/s), %d hits\n", 3*n, took.Seconds(), float64(3*n)/took.Seconds(), hits)
	meets := "meets the goal"
	if heap >= goalMemoryMB || rss >= goalMemoryMB {
		meets = "does not meet the goal"
	}
	fmt.Printf("   HeapInuse %.1f MB (%.1f MB before the engine), RSS %.1f MB  (goal under %.0f MB: %s), evictions %d\n",
		heap, base, rss, goalMemoryMB, meets, e.Evictions())
	if *memProf != "" {
		f, err := os.Create(*memProf)
		if err != nil {
			fail(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			fail(err)
		}
		f.Close()
	}
	runtime.KeepAlive(e)
}

func heapInuse() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// rssMB reads VmRSS from /proc/self/status; -1 where there is none.
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/detectors:", err)
	os.Exit(1)
}
