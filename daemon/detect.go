package daemon

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/rules"
)

// hitBatch is how many hits are registered in one transaction during a replay.
const hitBatch = 500

// detection runs every rule over the events and registers the hits as draft incidents.
type detection struct {
	engine  *detectors.Engine
	reg     *register.Register
	dir     *directory.Source
	pending []hit.Hit
	// Created counts incidents opened, Hits the hits registered.
	Created, Hits int64
}

// openDetection loads the rules (shipped and rules.dir), the directory and the register. Any
// problem stops start-up.
func openDetection(ctx context.Context, cfg *config.Config, log *slog.Logger) (*detection, error) {
	set, err := rules.Load(cfg.Rules.Dir)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	d := &detection{}
	env := detectors.Env{Directory: func() *directory.Directory { return nil }}
	if cfg.Directory != "" {
		if d.dir, err = directory.Open(cfg.Directory, log); err != nil {
			return nil, err
		}
		env.Directory = d.dir.Current
	}
	engine, missing, err := detectors.New(set, env)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		log.Warn("rules whose detector is not built in yet are not run", "rules", missing)
	}
	d.engine = engine
	if d.reg, err = register.Open(ctx, cfg.Register.Dir, register.Options{Location: cfg.Location()}); err != nil {
		return nil, err
	}
	return d, nil
}

// observe feeds events to the detectors and keeps their hits for the next flush.
func (d *detection) observe(evs []event.Event) {
	for i := range evs {
		d.pending = append(d.pending, d.engine.Observe(&evs[i])...)
	}
}

// flush registers the pending hits; only then may the lines behind them be acknowledged.
func (d *detection) flush(ctx context.Context) error {
	if len(d.pending) == 0 {
		return nil
	}
	res, err := d.reg.Add(ctx, d.pending)
	if err != nil {
		return fmt.Errorf("register hits: %w", err)
	}
	for _, r := range res {
		if r.Created {
			d.Created++
		}
	}
	d.Hits += int64(len(d.pending))
	clear(d.pending)
	d.pending = d.pending[:0]
	return nil
}

func (d *detection) close() error {
	if d.reg == nil {
		return nil
	}
	return d.reg.Close()
}
