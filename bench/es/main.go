// Command es is make bench's report for the Elasticsearch indexer, against the in-test
// Elasticsearch (esindex/estest) on 127.0.0.1: incident updates per second from the register's
// outbox, with the indexer's memory; and an outage: the cluster refuses everything for a while
// (10 minutes by default) while incidents keep changing, then recovers; how long until everything is
// delivered, and whether each document is there exactly once at its newest version. It prints
// figures; it does not pass or fail.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

var (
	incidents = flag.Int("incidents", 10_000, "incidents for the throughput figure")
	updates   = flag.Int("updates", 4, "further changes per incident (hits joining it)")
	outage    = flag.Duration("outage", 10*time.Minute, "how long Elasticsearch refuses everything")
	rate      = flag.Int("rate", 50, "incident changes per second during the outage")
)

const goalRate = 5000.0

func main() {
	flag.Parse()
	fmt.Printf("lekwacht Elasticsearch benchmark: %d CPUs, in-test Elasticsearch 8 on 127.0.0.1\n\n", runtime.NumCPU())
	r1 := throughput()
	r2 := outageFigure()
	fmt.Printf("\nSUMMARY es: %.0f incident updates/s into Elasticsearch (goal %.0f, ratio %.2f), indexer heap peak %.1f MB; "+
		"after a %s outage %d changes delivered in %.1f s from recovery (goal under 60 s), %d documents for %d incidents, %s\n",
		r1.rate, goalRate, r1.rate/goalRate, r1.heapMB, *outage, r2.rows, r2.drain.Seconds(), r2.docs, r2.incidents, r2.verdict)
}

func open(dir string) *register.Register {
	reg, err := register.Open(context.Background(), dir, register.Options{Location: time.UTC, Outbox: esindex.Outbox})
	if err != nil {
		fail(err)
	}
	return reg
}

func hitOf(i, change int, at time.Time) hit.Hit {
	return hit.Hit{Detector: "threshold", Rule: "lw-threshold-exports", Severity: hit.SeverityHigh, User: fmt.Sprintf("u%06d", i),
		Pattern: "group", Time: at, Window: 24 * time.Hour, Categories: []hit.Category{hit.CategoryName}, Subjects: change,
		Summary: fmt.Sprintf("export %d", change),
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "zaak", Source: "/logs/zaak.jsonl", Offset: int64(i)*1000 + int64(change),
			Time: at, Text: fmt.Sprintf(`{"actor":"u%06d","action":"export.csv","n":%d}`, i, change)}}}
}

// fill registers n incidents and then `more` changes of each, in batches like a replay.
func fill(reg *register.Register, from, n, more int, at time.Time) int {
	rows := 0
	for change := 0; change <= more; change++ {
		for i := from; i < from+n; i += 500 {
			var hits []hit.Hit
			for j := i; j < min(i+500, from+n); j++ {
				hits = append(hits, hitOf(j, change, at))
			}
			if _, err := reg.Add(context.Background(), hits); err != nil {
				fail(err)
			}
			rows += len(hits)
		}
	}
	return rows
}

type tput struct{ rate, heapMB float64 }

func throughput() tput {
	dir, _ := os.MkdirTemp("", "lekwacht-es-bench-")
	defer os.RemoveAll(dir)
	reg := open(dir)
	defer reg.Close()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	t0 := time.Now()
	rows := fill(reg, 0, *incidents, *updates, at)
	fmt.Printf("1. throughput: %d incidents and %d changes each queued (%d outbox rows) in %.1f s\n", *incidents, *updates, rows, time.Since(t0).Seconds())
	f, srv := estest.New()
	defer srv.Close()
	es, err := esindex.NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		fail(err)
	}
	x := esindex.NewIndexer(reg, es, esindex.Options{Instance: "bench", Version: "bench"})
	var peak uint64
	stop := sampleHeap(&peak)
	t0 = time.Now()
	for {
		n, err := x.Cycle(context.Background())
		if err != nil {
			fail(err)
		}
		if n == 0 {
			break
		}
	}
	took := time.Since(t0)
	stop()
	s := x.Stats()
	r := float64(rows) / took.Seconds()
	fmt.Printf("   delivered %d rows as %d document writes in %.2f s: %.0f updates/s (goal %.0f), %.0f documents/s; %d documents; heap peak %.1f MB\n",
		rows, s.Indexed, took.Seconds(), r, goalRate, float64(s.Indexed)/took.Seconds(), f.Count(), float64(peak)/(1<<20))
	return tput{rate: r, heapMB: float64(peak) / (1 << 20)}
}

type out struct {
	rows, docs, incidents int
	drain                 time.Duration
	verdict               string
}

func outageFigure() out {
	dir, _ := os.MkdirTemp("", "lekwacht-es-bench-")
	defer os.RemoveAll(dir)
	reg := open(dir)
	defer reg.Close()
	f, srv := estest.New()
	defer srv.Close()
	es, err := esindex.NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		fail(err)
	}
	x := esindex.NewIndexer(reg, es, esindex.Options{Instance: "bench", Version: "bench", Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); x.Run(ctx) }()
	const pool = 2000 // incidents that keep changing
	f.Set(func(f *estest.Server) { f.Refuse, f.RefuseAs = 1<<30, 503 })
	fmt.Printf("\n2. outage: Elasticsearch answers 503 to everything for %s while %d incident changes per second are registered\n", *outage, *rate)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rows := 0
	began := time.Now()
	tick := time.NewTicker(time.Second)
	for change := 0; time.Since(began) < *outage; change++ {
		<-tick.C
		var hits []hit.Hit
		for k := range *rate {
			i := (change**rate + k) % pool
			hits = append(hits, hitOf(i, change, at))
		}
		if _, err := reg.Add(context.Background(), hits); err != nil {
			fail(err)
		}
		rows += len(hits)
	}
	tick.Stop()
	st, _ := reg.OutboxStats(context.Background())
	fmt.Printf("   queued during the outage: %d changes; outbox pending %d (oldest %s); documents in Elasticsearch: %d; bulk requests refused: %d\n",
		rows, st[esindex.Sink].Pending, time.Since(st[esindex.Sink].Oldest).Round(time.Second), f.Count(), x.Stats().RequestFailures)
	recovered := time.Now()
	f.Set(func(f *estest.Server) { f.Refuse = 0 })
	for {
		st, _ := reg.OutboxStats(context.Background())
		if st[esindex.Sink].Pending == 0 {
			break
		}
		if time.Since(recovered) > 10*time.Minute {
			fail(fmt.Errorf("not drained 10 minutes after recovery: %+v", st[esindex.Sink]))
		}
		time.Sleep(100 * time.Millisecond)
	}
	drain := time.Since(recovered)
	cancel()
	wg.Wait()
	// Exactly once: one document per incident, each at the newest change registered.
	incs, _ := reg.List(context.Background(), register.Filter{})
	verdict := "each exactly once at its newest state"
	for _, in := range incs {
		doc, _ := f.Doc(esindex.Alias, in.ID)
		if doc == nil {
			verdict = "MISSING " + in.ID
			break
		}
		if got := int(doc["lekwacht"].(map[string]any)["evidence_count"].(float64)); got != in.EvidenceCount {
			verdict = fmt.Sprintf("STALE %s (%d of %d evidence items)", in.ID, got, in.EvidenceCount)
			break
		}
	}
	fmt.Printf("   recovered: everything delivered %.1f s later (goal under 60 s); %d documents for %d incidents, %s; %d writes\n",
		drain.Seconds(), f.Count(), len(incs), verdict, f.Writes())
	return out{rows: rows, docs: f.Count(), incidents: len(incs), drain: drain, verdict: verdict}
}

// sampleHeap records the peak HeapInuse every 10 ms until stopped.
func sampleHeap(peak *uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/es:", err)
	os.Exit(1)
}
