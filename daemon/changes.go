package daemon

import (
	"context"
)

// logChanges writes one log line per incident status change recorded since the last call, whoever
// made it (the API, the web page, the incidents command beside the daemon): the incident, its
// detector and severity, from, to and by. Not the reason, which is free text. The opening of a draft
// has a line of its own (draft opened).
func (d *Daemon) logChanges(ctx context.Context) error {
	for {
		changes, err := d.det.reg.ChangesSince(ctx, d.changeSeq, 500)
		if err != nil {
			return err
		}
		for _, c := range changes {
			d.changeSeq = c.Seq
			if c.From == "" {
				continue
			}
			d.log.Info("incident status changed", "incident", c.Incident, "detector", c.Detector, "severity", c.Severity,
				"from", string(c.From), "to", string(c.To), "by", c.By)
		}
		if len(changes) < 500 {
			return nil
		}
	}
}
