package sharedcreds

import (
	"strings"
	"testing"
	"time"

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
		d, err := New(r, func() *directory.Directory { return dir }, []string{"TS-*"}, 100)
		if err == nil {
			d.SetLocation(time.UTC)
			d.SetServiceAccounts(s.ServiceAccounts)
		}
		return d, err
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

// The network params: bad values are errors naming the param; network: false leaves network logons alone.
func TestNetworkParams(t *testing.T) {
	for _, bad := range []map[string]any{{"grace": "soon"}, {"address_ttl": 5}, {"network": "yes"}, {"addresses": []any{"10.0.0.1"}},
		{"addresses": map[string]any{"not-an-address": "WS-1"}}, {"addresses": map[string]any{"10.0.0.1": ""}}} {
		r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: high\ndetector: shared_credentials\n"), "s.yaml")
		r.Params = bad
		for k := range bad {
			if _, err := New(r, nil, nil, 10); err == nil || !strings.Contains(err.Error(), "params."+k) {
				t.Errorf("%v: %v", bad, err)
			}
		}
	}
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: high\ndetector: shared_credentials\nparams: {baseline_days: 1, network: false, grace: 1m, address_ttl: 1h}\n"), "s.yaml")
	d, err := New(r, nil, nil, 10)
	if err != nil || d.networkOn() || d.grace != time.Minute || d.addressTTL != time.Hour {
		t.Fatalf("%v %+v", err, d)
	}
}
