package detectors

import (
	"slices"

	"github.com/lekwacht/lekwacht/detectors/behaviour"
	"github.com/lekwacht/lekwacht/detectors/bulkbsn"
	"github.com/lekwacht/lekwacht/detectors/massdeletion"
	"github.com/lekwacht/lekwacht/detectors/misdirected"
	"github.com/lekwacht/lekwacht/detectors/privatemail"
	"github.com/lekwacht/lekwacht/detectors/risk"
	"github.com/lekwacht/lekwacht/detectors/sharedcreds"
	"github.com/lekwacht/lekwacht/detectors/snooping"
	"github.com/lekwacht/lekwacht/detectors/threshold"
	"github.com/lekwacht/lekwacht/rules"
)

// registry maps detector ids (CONTRACT.md) to their constructors: the one place detectors are
// filled in.
var registry = map[string]Constructor{
	"threshold": func(r *rules.Rule, env Env) (Detector, error) { return threshold.New(r, env.StateSize) },
	"misdirected_mail": func(r *rules.Rule, env Env) (Detector, error) {
		return misdirected.New(r, append(slices.Clone(env.OwnDomains), env.PartnerDomains...), env.StateSize)
	},
	"shared_credentials": func(r *rules.Rule, env Env) (Detector, error) {
		d, err := sharedcreds.New(r, env.Directory, env.SharedHosts, env.StateSize)
		if err == nil {
			d.SetLocation(env.Location)
			d.SetServiceAccounts(env.ServiceAccounts)
		}
		return d, err
	},
	"record_snooping": func(r *rules.Rule, env Env) (Detector, error) {
		return snooping.New(r, env.Directory, env.WorkingHours, env.Location, env.StateSize)
	},
	"bulk_bsn_export": func(r *rules.Rule, env Env) (Detector, error) { return bulkbsn.New(r, env.StateSize) },
	"private_mail": func(r *rules.Rule, env Env) (Detector, error) {
		return privatemail.New(r, env.OwnDomains, env.Directory)
	},
	"risk": func(r *rules.Rule, env Env) (Detector, error) { return risk.New(r, env.StateSize) },
	"behaviour": func(r *rules.Rule, env Env) (Detector, error) {
		return behaviour.New(r, env.Directory, env.WorkingHours, env.Location, env.StateSize)
	},
	"mass_deletion": func(r *rules.Rule, env Env) (Detector, error) {
		return massdeletion.New(r, env.ServiceAccounts, env.StateSize)
	},
}
