package daemon

import (
	"strings"

	"github.com/lekwacht/lekwacht/event"
)

// detachKeep bounds a detacher's texts; when full it starts afresh (texts handed out stay valid).
const detachKeep = 1 << 16

// detacher gives texts storage of their own, one copy per distinct text while it remembers it. One
// goroutine (an input's parsing) uses it.
type detacher struct{ seen map[string]string }

// detach gives the texts of events that detectors keep in their state (names, hosts, addresses,
// paths, records) storage of their own, one copy per distinct text. The parsers hand out parts of the line's own text without copying; a detector
// that keeps such a part as a key would keep the whole line in memory for as long as the key, a
// kilobyte or more of Windows JSON for a workstation name. Run on the parsing side, before the
// detectors, so that it costs the pipeline no time on one core's path.
func (d *detacher) detach(evs []event.Event) {
	for i := range evs {
		ev := &evs[i]
		d.own(&ev.User.Name, &ev.User.Domain, &ev.User.ID, &ev.User.Account, &ev.User.Original,
			&ev.Host.Name, &ev.Host.Workstation,
			&ev.Source.IP, &ev.Source.Domain, &ev.Destination.IP, &ev.Destination.Domain)
		if m := ev.Mail; m != nil {
			d.own(&m.From, &m.OrigTo, &m.SASLUser, &m.Relay, &m.QueueID, &m.MessageID)
			for j := range m.To {
				d.own(&m.To[j])
			}
		}
		if f := ev.File; f != nil {
			d.own(&f.Path, &f.Target, &f.Share)
		}
		if a := ev.App; a != nil {
			d.own(&a.Name, &a.Object)
		}
		if dv := ev.Device; dv != nil {
			d.own(&dv.ID, &dv.Description)
		}
		if l := ev.Logon; l != nil {
			d.own(&l.ID)
		}
	}
}

func (d *detacher) own(ss ...*string) {
	for _, s := range ss {
		if *s == "" {
			continue
		}
		if c, ok := d.seen[*s]; ok {
			*s = c
			continue
		}
		if len(d.seen) >= detachKeep || d.seen == nil {
			d.seen = make(map[string]string, 1024)
		}
		c := strings.Clone(*s)
		d.seen[c] = c
		*s = c
	}
}
