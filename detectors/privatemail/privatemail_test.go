package privatemail

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
		return New(r, s.OwnDomains, func() *directory.Directory { return dir })
	})
}

func TestParams(t *testing.T) {
	r, err := rules.Parse([]byte("id: p\ntitle: P\nstatus: test\nlevel: medium\ndetector: private_mail\nparams: {min_size: 10, private_domains: [familie.nl]}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(r, nil, func() *directory.Directory { return nil })
	if err != nil || d.minSize != 10 || !strings.Contains(strings.Join(d.providers, ","), "familie.nl") {
		t.Fatalf("params: %v %+v", err, d)
	}
	r.Params = map[string]any{"min_sise": 1}
	if _, err := New(r, nil, nil); err == nil || !strings.Contains(err.Error(), "params.min_sise: unknown") {
		t.Fatalf("unknown param: %v", err)
	}
}
