package massdeletion

import (
	"testing"

	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/rules"
)

func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, s *scenariotest.Scenario) (scenariotest.Observer, error) {
		return New(r, s.ServiceAccounts, 100)
	})
}
