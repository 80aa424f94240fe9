package daemon

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/register"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// counts is a map of counters safe for a scrape while the pipeline counts.
type counts struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *counts) add(k string, n int64) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[k] += n
	c.mu.Unlock()
}

func (c *counts) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

var (
	descLines      = prometheus.NewDesc("lekwacht_lines_total", "Lines read per input.", []string{"input"}, nil)
	descEvents     = prometheus.NewDesc("lekwacht_events_total", "Normalized events per input.", []string{"input"}, nil)
	descIgnored    = prometheus.NewDesc("lekwacht_ignored_lines_total", "Lines read that yield no event (noise, state-only lines) per input.", []string{"input"}, nil)
	descRejects    = prometheus.NewDesc("lekwacht_rejected_lines_total", "Lines kept aside as rejects, per input and reason.", []string{"input", "reason"}, nil)
	descLag        = prometheus.NewDesc("lekwacht_lag_bytes", "Bytes written to a followed file and not yet processed.", []string{"input", "file"}, nil)
	descFiles      = prometheus.NewDesc("lekwacht_followed_files", "Files followed per input.", []string{"input"}, nil)
	descReloadBad  = prometheus.NewDesc("lekwacht_reload_failed", "1 while the last reload of what (config, rules, directory, tokens) failed and the previous one stays in force, else 0.", []string{"what"}, nil)
	descReloadErrs = prometheus.NewDesc("lekwacht_reload_failures_total", "Reloads that failed, per what (config, rules, directory, tokens).", []string{"what"}, nil)
	descNoFiles    = prometheus.NewDesc("lekwacht_input_without_files", "1 while none of the input's paths matches a file (a mistyped path, or a log not written yet), else 0.", []string{"input"}, nil)
	descQuiet      = prometheus.NewDesc("lekwacht_input_quiet", "1 while an input with expect_every has read no new line for longer than that, else 0.", []string{"input"}, nil)
	descLastLine   = prometheus.NewDesc("lekwacht_input_last_line_timestamp_seconds", "When run last read a new line of the input (0: none since start).", []string{"input"}, nil)
	descReloadAt   = prometheus.NewDesc("lekwacht_reload_last_failure_timestamp_seconds", "When a reload of what (config, rules, directory, tokens) last failed (0: never since start); the error is in /healthz and lekwacht status.", []string{"what"}, nil)
	descHits       = prometheus.NewDesc("lekwacht_hits_total", "Hits registered per detector.", []string{"detector"}, nil)
	descIncidents  = prometheus.NewDesc("lekwacht_incidents", "Incidents in the register per status.", []string{"status"}, nil)
	descPending    = prometheus.NewDesc("lekwacht_pending_hits", "Hits waiting to be registered (the queue before the register).", nil, nil)
	descEvictions  = prometheus.NewDesc("lekwacht_state_evictions_total", "Groups, users and hosts pushed out of the detectors' bounded state.", nil, nil)
	descRules      = prometheus.NewDesc("lekwacht_rules", "Rules in force.", nil, nil)
	descHookTries  = prometheus.NewDesc("lekwacht_hook_attempts_total", "Response hook deliveries tried, per hook and result (delivered, retry, failed).", []string{"hook", "result"}, nil)
	descOutbox     = prometheus.NewDesc("lekwacht_outbox", "Deliveries in the register's outbox per sink and state (pending, retrying, failed).", []string{"sink", "state"}, nil)
	descESDocs     = prometheus.NewDesc("lekwacht_es_documents_total", "Incident documents sent to Elasticsearch, per result (indexed, conflict: already there, item_failure, given_up).", []string{"result"}, nil)
	descESReqFail  = prometheus.NewDesc("lekwacht_es_request_failures_total", "Bulk requests Elasticsearch took nothing of (down, 429, 503, slow).", nil, nil)
	descESLast     = prometheus.NewDesc("lekwacht_es_last_success_timestamp_seconds", "When Elasticsearch last took a document (0: not yet).", nil, nil)
	descWriteFail  = prometheus.NewDesc("lekwacht_write_failures_total", "Writes of events, hits or positions that failed and were tried again (a full disk).", nil, nil)
	descHolding    = prometheus.NewDesc("lekwacht_positions_held", "1 while writes fail and positions are held, else 0.", nil, nil)
	descSignals    = prometheus.NewDesc("lekwacht_signals_total", "Weak signals the detectors raised for the risk rule, and of them those no risk rule took (no risk rule active).", []string{"scored"}, nil)
	descUnresolved = prometheus.NewDesc("lekwacht_unresolved_identities_total", "Events whose user no one in the directory has (lekwacht identities unresolved lists them), per input.", []string{"input"}, nil)
	descOutboxAge  = prometheus.NewDesc("lekwacht_outbox_oldest_pending_seconds", "Age of the oldest pending delivery per sink.", []string{"sink"}, nil)
	descWatched    = prometheus.NewDesc("lekwacht_watched_files_total", "Files in the watch: folders inspected, per whom they were attributed to (writer: an audit line showed who wrote it; owner: none did).", []string{"attributed_to"}, nil)
	descWaiting    = prometheus.NewDesc("lekwacht_watched_files_waiting", "Settled files on a watched share waiting for the audit line of their write.", nil, nil)
)

// metrics is the daemon's Prometheus collector: it reads the pipeline's own counters at scrape
// time. No label carries personal data: inputs, file paths of logs, detectors, statuses.
type metrics struct{ d *Daemon }

func (m metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLines, descEvents, descIgnored, descRejects, descLag, descFiles, descNoFiles, descQuiet, descLastLine, descReloadBad, descReloadErrs, descReloadAt, descHits,
		descIncidents, descPending, descEvictions, descRules, descHookTries, descOutbox, descOutboxAge, descESDocs, descESReqFail, descESLast, descWriteFail, descHolding, descUnresolved,
		descWatched, descWaiting} {
		ch <- d
	}
}

func (m metrics) Collect(ch chan<- prometheus.Metric) {
	d := m.d
	d.det.ident.Counts(func(input string, n int64) {
		ch <- prometheus.MustNewConstMetric(descUnresolved, prometheus.CounterValue, float64(n), input)
	})
	ch <- prometheus.MustNewConstMetric(descWatched, prometheus.CounterValue, float64(d.det.writers.ByWriter.Load()), "writer")
	ch <- prometheus.MustNewConstMetric(descWatched, prometheus.CounterValue, float64(d.det.writers.ByOwner.Load()), "owner")
	ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, float64(d.det.writers.Waiting()))
	for _, what := range reloadNames {
		failed, n, at := d.reloads.state(what)
		ch <- prometheus.MustNewConstMetric(descReloadBad, prometheus.GaugeValue, flag(failed), what)
		ch <- prometheus.MustNewConstMetric(descReloadErrs, prometheus.CounterValue, float64(n), what)
		ch <- prometheus.MustNewConstMetric(descReloadAt, prometheus.GaugeValue, seconds(at), what)
	}
	without := map[string]bool{}
	for _, e := range InputsWithoutFiles(d.cfg) {
		without[e.Input] = true
	}
	for i, in := range d.inputs {
		c := in.Counters
		ch <- prometheus.MustNewConstMetric(descNoFiles, prometheus.GaugeValue, flag(without[in.Name]), in.Name)
		_, quiet := d.quiet(in)
		ch <- prometheus.MustNewConstMetric(descQuiet, prometheus.GaugeValue, flag(quiet), in.Name)
		last := time.Time{}
		if n := in.lastLine.Load(); n != 0 {
			last = time.Unix(0, n)
		}
		ch <- prometheus.MustNewConstMetric(descLastLine, prometheus.GaugeValue, seconds(last), in.Name)
		ch <- prometheus.MustNewConstMetric(descLines, prometheus.CounterValue, float64(c.Lines.Load()), in.Name)
		ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(c.Events.Load()), in.Name)
		ch <- prometheus.MustNewConstMetric(descIgnored, prometheus.CounterValue, float64(c.Ignored.Load()), in.Name)
		for reason, n := range c.Rejected() {
			ch <- prometheus.MustNewConstMetric(descRejects, prometheus.CounterValue, float64(n), in.Name, string(reason))
		}
		st := d.tails[i].Stats()
		ch <- prometheus.MustNewConstMetric(descFiles, prometheus.GaugeValue, float64(st.Files), in.Name)
		for file, lag := range st.Lag {
			ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(lag), in.Name, file)
		}
	}
	for det, n := range d.det.byDetector.snapshot() {
		ch <- prometheus.MustNewConstMetric(descHits, prometheus.CounterValue, float64(n), det)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if byStatus, err := d.det.reg.CountByStatus(ctx); err == nil {
		for _, s := range register.Statuses {
			ch <- prometheus.MustNewConstMetric(descIncidents, prometheus.GaugeValue, float64(byStatus[s]), string(s))
		}
	} else {
		d.log.Warn("metrics: count incidents", "err", err)
	}
	if ob, err := d.det.reg.OutboxStats(ctx); err == nil {
		for sink, c := range ob {
			ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(c.Pending), sink, "pending")
			ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(c.Retrying), sink, "retrying")
			ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(c.Failed), sink, "failed")
			age := 0.0
			if !c.Oldest.IsZero() {
				age = time.Since(c.Oldest).Seconds()
			}
			ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age, sink)
		}
	}
	if d.hooks != nil {
		for hook, m := range d.hooks.Counts() {
			for result, n := range m {
				ch <- prometheus.MustNewConstMetric(descHookTries, prometheus.CounterValue, float64(n), hook, result)
			}
		}
	}
	if d.es != nil {
		s := d.es.Stats()
		for result, n := range map[string]int64{"indexed": s.Indexed, "conflict": s.Conflicts, "item_failure": s.ItemFailures, "given_up": s.GivenUp} {
			ch <- prometheus.MustNewConstMetric(descESDocs, prometheus.CounterValue, float64(n), result)
		}
		ch <- prometheus.MustNewConstMetric(descESReqFail, prometheus.CounterValue, float64(s.RequestFailures))
		last := 0.0
		if !s.LastSuccess.IsZero() {
			last = float64(s.LastSuccess.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(descESLast, prometheus.GaugeValue, last)
	}
	ch <- prometheus.MustNewConstMetric(descWriteFail, prometheus.CounterValue, float64(d.writeFailures.Load()))
	held := 0.0
	if d.writeFailure.Load() != nil {
		held = 1
	}
	ch <- prometheus.MustNewConstMetric(descHolding, prometheus.GaugeValue, held)
	d.mu.Lock()
	pending, rules, evictions := len(d.det.pending), len(d.det.engine.Rules()), d.det.engine.Evictions()
	raised, unscored := d.det.engine.Signals()
	d.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descSignals, prometheus.CounterValue, float64(raised-unscored), "yes")
	ch <- prometheus.MustNewConstMetric(descSignals, prometheus.CounterValue, float64(unscored), "no")
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(descRules, prometheus.GaugeValue, float64(rules))
	ch <- prometheus.MustNewConstMetric(descEvictions, prometheus.CounterValue, float64(evictions))
}

// flag is a gauge of a condition: 1 while it holds.
func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// seconds is a timestamp gauge: Unix seconds, 0 for none.
func seconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// Metrics returns the registry /metrics serves: the daemon's figures and the Go runtime's.
func (d *Daemon) Metrics() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(metrics{d}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}
