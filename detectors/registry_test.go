package detectors

import (
	"slices"
	"testing"

	"github.com/lekwacht/lekwacht/rules"
)

// Every registered detector has a contract id that rules may name; the shipped rules build.
func TestRegistry(t *testing.T) {
	for _, id := range IDs() {
		if !slices.Contains(rules.Detectors, id) {
			t.Errorf("detector %q is not one of the contract's ids %v", id, rules.Detectors)
		}
	}
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	e, missing, err := New(set, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Rules())+len(missing) != len(set.Active()) {
		t.Errorf("%d rules built, %d missing, %d active", len(e.Rules()), len(missing), len(set.Active()))
	}
	for _, r := range e.Rules() {
		if _, ok := registry[r.DetectorID()]; !ok {
			t.Errorf("rule %s built without a registered detector", r.ID)
		}
	}
}
