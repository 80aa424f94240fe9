package sharedcreds

import (
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/rules"
)

func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, s *scenariotest.Scenario) (scenariotest.Observer, error) {
		dir, err := directory.Read(strings.NewReader(s.Directory), "scenario directory")
		if err != nil {
			return nil, err
		}
		return New(r, func() *directory.Directory { return dir }, []string{"TS-*"}, 100)
	})
}

func TestParams(t *testing.T) {
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: high\ndetector: shared_credentials\nparams: {session: 4h, accounts_per_host: 5}\n"), "s.yaml")
	d, err := New(r, nil, nil, 10)
	if err != nil || d.session.Hours() != 4 || d.accountsPerHost != 5 {
		t.Fatalf("%v %+v", err, d)
	}
	r.Params = map[string]any{"accounts_per_host": 1}
	if _, err := New(r, nil, nil, 10); err == nil {
		t.Fatal("accounts_per_host 1 accepted")
	}
}
