package daemon

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/server"
)

// What is reloaded while running, each tracked apart: the config file, the rules, the directory and
// the tokens file.
const (
	reloadConfigName    = "config"
	reloadRulesName     = "rules"
	reloadDirectoryName = "directory"
	reloadTokensName    = "tokens"
)

var reloadNames = []string{reloadConfigName, reloadRulesName, reloadDirectoryName, reloadTokensName}

// reloads remembers the last reload of each thing: while the last one failed, what was in force
// stays, /healthz says degraded with the error and lekwacht_reload_failed is 1.
type reloads struct {
	mu       sync.Mutex
	failed   map[string]reloadFailure
	failures map[string]int64
	lastFail map[string]time.Time // kept after a good reload
}

type reloadFailure struct {
	at  time.Time
	err error
}

// note records the outcome of a reload of what (nil: it loaded) and returns err.
func (r *reloads) note(what string, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed == nil {
		r.failed, r.failures, r.lastFail = map[string]reloadFailure{}, map[string]int64{}, map[string]time.Time{}
	}
	if err == nil {
		delete(r.failed, what)
		return nil
	}
	now := time.Now()
	r.failed[what] = reloadFailure{at: now, err: err}
	r.failures[what]++
	r.lastFail[what] = now
	return err
}

// details are the failed reloads as /healthz lists them, in a stable order.
func (r *reloads) details() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for what, f := range r.failed {
		out = append(out, fmt.Sprintf("%s reload failed at %s, what was in force before stays: %v",
			what, f.at.Format(time.RFC3339), f.err))
	}
	sort.Strings(out)
	return out
}

// state returns, per thing reloaded, whether its last reload failed, how many have failed and when
// the last failure was.
func (r *reloads) state(what string) (failed bool, failures int64, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, failed = r.failed[what]
	return failed, r.failures[what], r.lastFail[what]
}

// report lists every thing reloaded, in reloadNames' order, with its failures and, while its last
// reload failed, the error.
func (r *reloads) report() []server.ReloadStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]server.ReloadStatus, 0, len(reloadNames))
	for _, what := range reloadNames {
		st := server.ReloadStatus{What: what, Failures: r.failures[what]}
		if f, ok := r.failed[what]; ok {
			st.LastError, st.FailedAt = f.err.Error(), f.at.UTC().Format(time.RFC3339)
		}
		out = append(out, st)
	}
	return out
}
