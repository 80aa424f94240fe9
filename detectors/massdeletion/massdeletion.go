// Package massdeletion is the mass_deletion detector: many deletions on the file shares or in an
// application by one account within a window.
package massdeletion

import (
	"encoding/json"

	"github.com/lekwacht/lekwacht/detectors/threshold"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Defaults when the rule leaves them out.
const (
	DefaultThreshold = 100
	DefaultWindow    = rules.Duration(10 * 60 * 1e9)
)

// Detector counts distinct deleted files (file.path) or records (app.object) per account.
type Detector struct {
	files, records *threshold.Detector
}

// New builds the detector from its rule; service accounts (organisation.service_accounts) are never
// counted, nor anything on the rule's allow-lists.
func New(r *rules.Rule, serviceAccounts []string, size int) (*Detector, error) {
	base := *r
	if base.Threshold == 0 {
		base.Threshold = DefaultThreshold
	}
	if base.Window == 0 {
		base.Window = DefaultWindow
	}
	base.GroupBy = []string{"user.name"}
	base.Allow = map[string]rules.Values{}
	for k, v := range r.Allow {
		base.Allow[k] = v
	}
	base.Allow["user.name"] = append(append(rules.Values{}, r.Allow["user.name"]...), serviceAccounts...)
	if len(base.Categories) == 0 {
		base.Categories = []hit.Category{hit.CategoryOther}
	}
	files, records := base, base
	files.Match = map[string]rules.Values{"event.category": {string(event.CategoryFile)}, "event.action": {string(event.ActionDelete)}}
	files.Count = "distinct file.path"
	records.Match = map[string]rules.Values{"event.category": {string(event.CategoryApplication)}, "event.action": {string(event.ActionDelete)}}
	records.Count = "distinct app.object"
	d := &Detector{}
	var err error
	if d.files, err = threshold.New(&files, size); err != nil {
		return nil, err
	}
	d.records, err = threshold.New(&records, size)
	return d, err
}

// Observe counts a deletion.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if ev.Event.Action != event.ActionDelete {
		return nil
	}
	hits := append(d.files.Observe(ev), d.records.Observe(ev)...)
	for i := range hits {
		hits[i].Detector = "mass_deletion"
		hits[i].Subjects = 0 // deleted records are counted, but who they concern is not known here
	}
	return hits
}

// Accepts says whether events of this category and action can be deletions the rule counts.
func (d *Detector) Accepts(c event.Category, a event.Action) bool {
	return a == event.ActionDelete && (d.files.Accepts(c, a) || d.records.Accepts(c, a))
}

// ShareLines makes the detector keep the lines ls hands out, shared with the engine's other rules.
func (d *Detector) ShareLines(ls *hit.Lines) {
	d.files.ShareLines(ls)
	d.records.ShareLines(ls)
}

// KeptLines yields every line the detector keeps.
func (d *Detector) KeptLines(yield func(*hit.Line)) {
	d.files.KeptLines(yield)
	d.records.KeptLines(yield)
}

// Evictions counts accounts pushed out of the bounded state.
func (d *Detector) Evictions() int64 { return d.files.Evictions() + d.records.Evictions() }

// SaveState saves the counts of both kinds of deletion.
func (d *Detector) SaveState() ([]byte, error) {
	files, err := d.files.SaveState()
	if err != nil {
		return nil, err
	}
	records, err := d.records.SaveState()
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]json.RawMessage{"files": files, "records": records})
}

// LoadState restores what SaveState saved.
func (d *Detector) LoadState(b []byte) error {
	var s map[string]json.RawMessage
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if err := d.files.LoadState(s["files"]); err != nil {
		return err
	}
	return d.records.LoadState(s["records"])
}
