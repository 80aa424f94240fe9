package detectors

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Stateful is a detector whose state can be saved at shutdown and restored at start, so a pattern
// that spans a restart is still caught.
type Stateful interface {
	SaveState() ([]byte, error)
	LoadState([]byte) error
}

// State is the saved state of every stateful detector, by rule id, with the rule's fingerprint: the
// state of a rule that changed in between is not restored.
type State map[string]RuleState

// RuleState is one rule's saved detector state.
type RuleState struct {
	Fingerprint string          `json:"fingerprint"`
	State       json.RawMessage `json:"state"`
}

func fingerprint(r any) string {
	b, _ := json.Marshal(r)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// SaveState collects the state of the engine's stateful detectors.
func (e *Engine) SaveState() (State, error) {
	e.collect(true) // the detectors' goroutines done: their hits wait for Collect
	st := State{}
	for i, d := range e.detectors {
		s, ok := d.(Stateful)
		if !ok {
			continue
		}
		b, err := s.SaveState()
		if err != nil {
			return nil, fmt.Errorf("rule %s: save state: %w", e.rules[i].ID, err)
		}
		st[e.rules[i].ID] = RuleState{Fingerprint: ruleFingerprint(e, i), State: b}
	}
	return st, nil
}

// LoadState restores saved state into the detectors of unchanged rules; it returns how many were
// restored.
func (e *Engine) LoadState(st State) (int, error) {
	n := 0
	for i, d := range e.detectors {
		s, ok := d.(Stateful)
		rs, saved := st[e.rules[i].ID]
		if !ok || !saved || rs.Fingerprint != ruleFingerprint(e, i) {
			continue
		}
		if err := s.LoadState(rs.State); err != nil {
			return n, fmt.Errorf("rule %s: restore state: %w", e.rules[i].ID, err)
		}
		n++
	}
	return n, nil
}

func ruleFingerprint(e *Engine, i int) string {
	r := *e.rules[i]
	r.File, r.Line = "", 0
	return fingerprint(r)
}
