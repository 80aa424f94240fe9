package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esutil"
	"github.com/lekwacht/lekwacht/register"
)

// Sink is the outbox name of Elasticsearch: every change of an incident is queued for it.
const Sink = "elasticsearch"

// Outbox says which incidents Elasticsearch wants: all of them, after every change.
func Outbox(*register.Incident, bool) []string { return []string{Sink} }

// Defaults of the indexer.
const (
	DefaultBatch = 5000 // outbox rows per bulk request cycle
	maxPause     = 30 * time.Second
	// maxAttempts bounds retries of a document Elasticsearch refuses outright (a mapping error):
	// after that it is marked failed in the outbox, visible in /metrics. Outages and 429s never give up.
	maxAttempts = 10
)

// Indexer delivers the outbox's Elasticsearch rows: one document per incident, indexed with the
// incident id as `_id` and an external version that grows with every change, so a replayed or late
// request can never overwrite a newer state and a document is never there twice.
type Indexer struct {
	reg      *register.Register
	es       *elasticsearch.Client
	index    string
	instance string
	version  string
	public   string
	log      *slog.Logger
	now      func() time.Time
	batch    int
	timeout  time.Duration
	kick     chan struct{}

	pause time.Duration // after a cycle in which Elasticsearch took nothing

	epochOnce sync.Mutex
	epochAt   time.Time // the register's outbox epoch, once read

	indexed, conflicts, itemFailures, requestFailures, givenUp atomic.Int64
	lastSuccess                                                atomic.Int64 // Unix nanoseconds
}

// Options configure an indexer.
type Options struct {
	Index    string // the alias to write to (AliasFor(prefix))
	Instance string // observer.name and lekwacht.instance
	Version  string // lekwacht's version, observer.version
	// PublicURL is http.public_url: documents link to PublicURL/incidents/<id> (lekwacht.url, event.url).
	PublicURL string
	Batch     int
	Timeout   time.Duration // of one bulk request (default 60 s)
	Log       *slog.Logger
	Now       func() time.Time
}

// NewIndexer prepares an indexer of reg's outbox into es.
func NewIndexer(reg *register.Register, es *elasticsearch.Client, o Options) *Indexer {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Index == "" {
		o.Index = Alias
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	return &Indexer{reg: reg, es: es, index: o.Index, instance: o.Instance, version: o.Version, public: o.PublicURL, log: o.Log, now: o.Now,
		batch: o.Batch, timeout: o.Timeout, kick: make(chan struct{}, 1)}
}

// Kick makes the indexer look at the outbox now.
func (x *Indexer) Kick() {
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: at once after a kick, else every second; after a cycle in which
// Elasticsearch took nothing (down, 429, 503) it waits 1 s, 2 s, ... up to 30 s before trying again.
func (x *Indexer) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		n, err := x.Cycle(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			x.pause = min(max(2*x.pause, time.Second), maxPause)
			x.log.Warn("elasticsearch: nothing delivered, trying again later", "in", x.pause, "err", err.Error())
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(x.pause):
			}
			continue
		}
		x.pause = 0
		if n > 0 {
			continue // more may be due: drain before waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-x.kick:
		}
	}
}

// errNothingTaken is a cycle in which every item failed for a passing reason.
var errNothingTaken = errors.New("elasticsearch took none of the documents")

// result is what Elasticsearch said of one document.
type result struct {
	ok        bool   // indexed, or already there at this version or newer (409)
	permanent bool   // refused for good (4xx other than 409/429)
	reason    string // why not
}

// Cycle delivers one batch of due rows and returns how many rows it settled (delivered, or
// rescheduled after a failure of that document alone). It returns an error, and settles nothing,
// when Elasticsearch took none of the documents for a passing reason.
func (x *Indexer) Cycle(ctx context.Context) (int, error) {
	due, err := x.reg.Due(ctx, Sink, x.now(), x.batch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	// Several changes of one incident are one document: its current state, at the newest change.
	rows := map[string][]register.OutboxItem{}
	var order []string
	for _, it := range due {
		if _, seen := rows[it.Incident]; !seen {
			order = append(order, it.Incident)
		}
		rows[it.Incident] = append(rows[it.Incident], it)
	}
	bctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	var mu sync.Mutex
	results := make(map[string]result, len(order))
	set := func(id string, r result) { mu.Lock(); results[id] = r; mu.Unlock() }
	// RequireAlias: before `lekwacht setup elasticsearch` there is no alias, and Elasticsearch would
	// otherwise create an index of that name with guessed field types.
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: x.es, Index: x.index, RequireAlias: true, NumWorkers: 1, FlushBytes: 5 << 20,
		FlushInterval: time.Hour, OnError: func(_ context.Context, err error) { x.log.Warn("elasticsearch bulk", "err", err.Error()) }})
	if err != nil {
		return 0, err
	}
	// delivered are the rows settled for good: indexed, already there, or of an incident that is gone.
	var delivered []int64
	var sent []string
	for _, id := range order {
		body, change, err := x.document(ctx, id, rows[id])
		if errors.Is(err, register.ErrNotFound) {
			for _, it := range rows[id] {
				delivered = append(delivered, it.ID)
			}
			continue
		}
		if err != nil {
			bi.Close(ctx)
			return 0, err
		}
		sent = append(sent, id)
		err = bi.Add(bctx, esutil.BulkIndexerItem{Action: "index", DocumentID: id, Version: &change, VersionType: "external",
			Body: bytes.NewReader(body),
			OnSuccess: func(context.Context, esutil.BulkIndexerItem, esutil.BulkIndexerResponseItem) {
				set(id, result{ok: true})
			},
			OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, resp esutil.BulkIndexerResponseItem, err error) {
				set(id, classify(resp, err))
			}})
		if err != nil {
			bi.Close(ctx)
			return 0, err
		}
	}
	if err := bi.Close(bctx); err != nil && ctx.Err() != nil {
		return 0, err
	}
	var retry, giveUp []register.OutboxItem
	taken, conflicts, permanent := 0, 0, 0
	var firstReason string
	for _, id := range sent {
		r, ok := results[id]
		if !ok {
			r = result{reason: "no answer for this document"}
		}
		switch {
		case r.ok:
			taken++
			if r.reason == "conflict" {
				conflicts++
			}
			for _, it := range rows[id] {
				delivered = append(delivered, it.ID)
			}
			continue
		case r.permanent:
			permanent++
			for _, it := range rows[id] {
				if it.Attempts+1 >= maxAttempts {
					giveUp = append(giveUp, it)
				} else {
					retry = append(retry, it)
				}
			}
		default:
			retry = append(retry, rows[id]...)
		}
		if firstReason == "" {
			firstReason = r.reason
		}
	}
	if len(sent) > 0 && taken == 0 && permanent == 0 {
		// Down, overloaded or unreachable: settle nothing, the indexer pauses.
		x.requestFailures.Add(1)
		return 0, fmt.Errorf("%w: %s", errNothingTaken, firstReason)
	}
	if err := x.reg.DeliveredAll(ctx, delivered); err != nil {
		return 0, err
	}
	now := x.now()
	next := func(attempts int) time.Time { return now.Add(min(time.Second<<min(attempts, 5), maxPause)) }
	if err := x.reg.RetryAll(ctx, retry, firstReason, next, func(int) bool { return false }); err != nil {
		return 0, err
	}
	if err := x.reg.RetryAll(ctx, giveUp, firstReason, next, func(int) bool { return true }); err != nil {
		return 0, err
	}
	x.indexed.Add(int64(taken - conflicts))
	x.conflicts.Add(int64(conflicts))
	x.itemFailures.Add(int64(len(sent) - taken))
	x.givenUp.Add(int64(len(giveUp)))
	if taken > 0 {
		x.lastSuccess.Store(now.UnixNano())
	}
	if len(retry)+len(giveUp) > 0 {
		x.log.Warn("elasticsearch: some documents not taken, retried later", "documents", len(sent)-taken, "given_up", len(giveUp),
			"reason", firstReason)
	}
	return len(delivered) + len(retry) + len(giveUp), nil
}

// classify reads a failed bulk item: a version conflict means Elasticsearch already holds this
// change or a newer one (a retry after a lost answer, another writer): delivered.
func classify(resp esutil.BulkIndexerResponseItem, err error) result {
	if err != nil {
		return result{reason: err.Error()}
	}
	switch {
	case resp.Status == 409:
		return result{ok: true, reason: "conflict"}
	case resp.Status == 429 || resp.Status >= 500:
		return result{reason: fmt.Sprintf("%d %s", resp.Status, resp.Error.Type)}
	case resp.Status == 404 && resp.Error.Type == "index_not_found_exception":
		// Not set up yet: waits, never given up.
		return result{reason: "no index alias yet: run lekwacht setup elasticsearch"}
	case resp.Status == 400 && strings.Contains(resp.Error.Reason, "no write index is defined for alias"):
		// The alias leads to several indices and none takes writes (a reindex half done, or a
		// template that put its alias on every new index): waits for setup to repair it, never given up.
		return result{reason: "the alias has no write index: run lekwacht setup elasticsearch (--migrate to finish a reindex)"}
	default:
		return result{permanent: true, reason: fmt.Sprintf("%d %s: %s", resp.Status, resp.Error.Type, resp.Error.Reason)}
	}
}

// document builds the JSON of an incident at the newest of its queued changes.
func (x *Indexer) document(ctx context.Context, id string, rows []register.OutboxItem) ([]byte, int64, error) {
	in, err := x.reg.Get(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	var a *register.Assessment
	if in.Status == register.StatusAssessed || in.Status == register.StatusClosed {
		if a, err = x.reg.Assessment(ctx, in); err != nil {
			return nil, 0, err
		}
	}
	var change int64
	for _, it := range rows {
		change = max(change, it.ID)
	}
	epoch, err := x.epoch(ctx)
	if err != nil {
		return nil, 0, err
	}
	d := NewDocument(in, a, x.instance, x.version, change)
	d.Lekwacht.Register = RegisterStamp(epoch)
	d.Lekwacht.URL = IncidentURL(x.public, in.ID)
	d.Event.URL = d.Lekwacht.URL
	b, err := json.Marshal(d)
	return b, Version(epoch, change), err
}

// epoch is the register's outbox epoch, read once: it does not change for the life of a register.
func (x *Indexer) epoch(ctx context.Context) (time.Time, error) {
	x.epochOnce.Lock()
	defer x.epochOnce.Unlock()
	if !x.epochAt.IsZero() {
		return x.epochAt, nil
	}
	e, err := x.reg.OutboxEpoch(ctx)
	if err != nil {
		return time.Time{}, err
	}
	x.epochAt = e
	return e, nil
}

// versionBase is where the epoch's seconds are counted from: 2020, so that seconds fit 31 bits until
// 2088 and an epoch shifted left 32 bits stays below Elasticsearch's largest version (2^63-1).
var versionBase = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Version is the external version of a document written at outbox row change of a register whose
// outbox epoch is epoch: the epoch's seconds since 2020 in the high 32 bits, the row id below. Within
// a register it grows with every change; a register made later (a reset register, a reinstall that
// starts its ids and rows at 1 again) writes versions above every version of the earlier one, so its
// incidents are never taken for changes Elasticsearch already has (409) and dropped.
func Version(epoch time.Time, change int64) int64 {
	s := int64(0)
	if epoch.After(versionBase) {
		s = int64(epoch.Sub(versionBase) / time.Second)
	}
	return s<<32 + change
}

// RegisterStamp names a register in documents (lekwacht.register): its outbox epoch in UTC, so two
// registers that handed out the same incident id can be told apart in Kibana.
func RegisterStamp(epoch time.Time) string {
	if epoch.IsZero() {
		return ""
	}
	return epoch.UTC().Format("20060102T150405Z")
}

// Stats are the indexer's counters since start.
type Stats struct {
	Indexed, Conflicts, ItemFailures, RequestFailures, GivenUp int64
	LastSuccess                                                time.Time
}

// Stats returns the counters.
func (x *Indexer) Stats() Stats {
	s := Stats{Indexed: x.indexed.Load(), Conflicts: x.conflicts.Load(), ItemFailures: x.itemFailures.Load(),
		RequestFailures: x.requestFailures.Load(), GivenUp: x.givenUp.Load()}
	if n := x.lastSuccess.Load(); n > 0 {
		s.LastSuccess = time.Unix(0, n)
	}
	return s
}
