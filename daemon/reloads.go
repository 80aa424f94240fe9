package daemon

import (
	"fmt"
	"sort"
	"sync"
	"time"
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
		r.failed, r.failures = map[string]reloadFailure{}, map[string]int64{}
	}
	if err == nil {
		delete(r.failed, what)
		return nil
	}
	r.failed[what] = reloadFailure{at: time.Now(), err: err}
	r.failures[what]++
	return err
}

// details are the failed reloads as /healthz lists them, in a stable order.
func (r *reloads) details() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for what, f := range r.failed {
		out = append(out, fmt.Sprintf("%s reload failed at %s, the previous %s stay in force: %v",
			what, f.at.Format(time.RFC3339), what, f.err))
	}
	sort.Strings(out)
	return out
}

// state returns, per thing reloaded, whether its last reload failed and how many have failed.
func (r *reloads) state(what string) (failed bool, failures int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, failed = r.failed[what]
	return failed, r.failures[what]
}
