package daemon

import (
	"fmt"
	"reflect"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/hooks"
	"github.com/lekwacht/lekwacht/rules"
)

// reloadConfig reads the config file again. A config that does not load is logged with every
// problem and changes nothing. Of a good one, the organisation (domains, partners, shared hosts,
// service accounts, working hours, timezone), rules.dir, the hooks and http.tokens_file take effect at
// once; the detectors are rebuilt on the new settings with their counts in flight carried over.
// Inputs, watch folders, the register, the events file, the directory's path, the HTTP listener and
// the zone the parsers read stamps in take effect at the next restart, and the log says which changed.
// (The fsnotify watch of rules.dir also stays on the old folder until then; SIGHUP reads the new one.)
func (d *Daemon) reloadConfig() error {
	if d.cfg.File == "" {
		return nil // the embedded default: nothing to read again
	}
	next, err := config.Load(d.cfg.File, collectors.CheckInput)
	if err != nil {
		d.log.Error("config not reloaded: the config in force stays", "err", err)
		return err
	}
	var restart []string
	for key, same := range map[string]bool{
		"inputs":        reflect.DeepEqual(next.Inputs, d.cfg.Inputs),
		"watch":         reflect.DeepEqual(next.Watch, d.cfg.Watch),
		"register":      next.Register == d.cfg.Register,
		"events":        next.Events == d.cfg.Events,
		"directory":     next.Directory == d.cfg.Directory,
		"http.listen":   next.HTTP.Listen == d.cfg.HTTP.Listen && next.HTTP.TLSCert == d.cfg.HTTP.TLSCert && next.HTTP.TLSKey == d.cfg.HTTP.TLSKey,
		"elasticsearch": reflect.DeepEqual(next.Elasticsearch, d.cfg.Elasticsearch),
		// the parsers read zone-less stamps in the timezone they were built with
		"organisation.timezone (for parsing)": next.Organisation.Timezone == d.cfg.Organisation.Timezone,
	} {
		if !same {
			restart = append(restart, key)
		}
	}
	if len(restart) > 0 {
		d.log.Warn("config changes that take effect at the next restart", "keys", restart)
	}
	hs, err := hooks.Load(next.Hooks)
	if err != nil {
		d.log.Error("config not reloaded: the config in force stays", "err", err)
		return err
	}
	set, err := rules.Load(next.Rules.Dir)
	if err != nil {
		d.log.Error("config not reloaded: the config in force stays", "err", fmt.Errorf("rules: %w", err))
		return err
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	live := *d.cfg
	live.Organisation, live.Rules, live.Hooks = next.Organisation, next.Rules, next.Hooks
	live.HTTP.TokensFile = next.HTTP.TokensFile
	env, err := d.det.newEnv(&live)
	if err != nil {
		d.log.Error("config not reloaded: the config in force stays", "err", err)
		return err
	}
	if !reflect.DeepEqual(live.Organisation, d.cfg.Organisation) || live.Rules != d.cfg.Rules {
		// New settings: every detector is built again, the counts in flight carried over by rule.
		st, err := d.det.engine.SaveState()
		if err != nil {
			return err
		}
		engine, missing, err := detectors.New(set, env)
		if err != nil {
			d.log.Error("config not reloaded: the config in force stays", "err", err)
			return err
		}
		if _, err := engine.LoadState(st); err != nil {
			d.log.Warn("detector state not carried over: counts start afresh", "err", err)
		}
		d.det.engine, d.det.env, d.det.rulesDir = engine, env, live.Rules.Dir
		d.log.Info("detectors rebuilt on the reloaded config", "rules", len(engine.Rules()), "not_built_in", len(missing))
	}
	d.det.hooks.Store(&hs)
	d.hooks.SetHooks(hs)
	if d.http != nil {
		d.http.file = live.HTTP.TokensFile
	}
	d.cfg.Organisation, d.cfg.Rules, d.cfg.Hooks, d.cfg.HTTP.TokensFile = live.Organisation, live.Rules, live.Hooks, live.HTTP.TokensFile
	d.log.Info("config reloaded", "file", d.cfg.File, "hooks", len(hs))
	return nil
}
