// Package bulkbsn is the bulk_bsn_export detector: application exports of many records, and files
// (in watched folders) holding many valid BSNs, which are preserved whole as evidence.
package bulkbsn

import (
	"fmt"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lekwacht/lekwacht/bsn"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Defaults when the rule's params leave them out.
const (
	DefaultMinCount = 100 // records in one application export
	DefaultMinBSNs  = 25  // valid BSNs in one file (a BSN header column needs only one)
)

// Detector checks exports, inspects files, and follows removable media.
type Detector struct {
	rule              *rules.Rule
	match             *rules.Matcher
	lines             *hit.Lines
	minCount, minBSNs int
	window            time.Duration
	attached          *lru.Cache[string, attach] // user|host -> the last removable device attached
	bsnFiles          *lru.Cache[string, int]    // base names of files found holding BSNs -> valid BSNs
}

// attach is a removable device plugged in by a user on a host.
type attach struct {
	at   time.Time
	line *hit.Line
}

// New builds the detector. Params: `min_count` (records in an export), `min_bsns` (valid BSNs in a file).
func New(r *rules.Rule, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	d := &Detector{rule: r, match: r.Matcher(), minCount: DefaultMinCount, minBSNs: DefaultMinBSNs, window: time.Duration(r.Window)}
	if d.window == 0 {
		d.window = 8 * time.Hour
	}
	var err error
	if d.attached, err = lru.New[string, attach](size); err != nil {
		return nil, err
	}
	if d.bsnFiles, err = lru.New[string, int](size); err != nil {
		return nil, err
	}
	for k, v := range r.Params {
		n, ok := v.(int)
		switch {
		case k != "min_count" && k != "min_bsns":
			return nil, fmt.Errorf("params.%s: unknown; bulk_bsn_export takes min_count and min_bsns", k)
		case !ok || n < 1:
			return nil, fmt.Errorf("params.%s: want a number of 1 or more, got %v", k, v)
		case k == "min_count":
			d.minCount = n
		default:
			d.minBSNs = n
		}
	}
	return d, nil
}

// Accepts says whether events of this category and action can be exports, attached devices or
// written files, as Observe looks at.
func (d *Detector) Accepts(c event.Category, a event.Action) bool {
	kinds := a == event.ActionExport || c == event.CategoryDevice && a == event.ActionAttach ||
		c == event.CategoryFile && (a == event.ActionCreate || a == event.ActionWrite)
	return kinds && d.match.Accepts(c, a)
}

// ShareLines makes the detector keep the lines ls hands out, shared with the engine's other rules.
func (d *Detector) ShareLines(ls *hit.Lines) { d.lines = ls }

// KeptLines yields every line the detector keeps.
func (d *Detector) KeptLines(yield func(*hit.Line)) {
	for _, a := range d.attached.Values() {
		yield(a.line)
	}
}

// Observe reports an export of min_count or more records, and a created or written file of an
// inspectable kind holding min_bsns or more valid BSNs (or a BSN column and at least one).
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if !d.match.Matches(ev) || ev.Event.Outcome == event.OutcomeFailure {
		return nil
	}
	switch {
	case ev.Event.Action == event.ActionExport && ev.App != nil && ev.App.Count >= int64(d.minCount):
		h := d.hit(ev, "app-export", int(ev.App.Count), fmt.Sprintf("export van %d records uit %s", ev.App.Count, orUnknown(ev.App.Name)))
		h.Evidence = []hit.Evidence{hit.LineOf(ev)}
		return []hit.Hit{h}
	case ev.Event.Category == event.CategoryDevice && ev.Event.Action == event.ActionAttach && ev.Device.Removable():
		d.attached.Add(mediaKey(ev), attach{at: ev.Time, line: d.lines.Of(ev)})
	case ev.File != nil && ev.Event.Category == event.CategoryFile && (ev.Event.Action == event.ActionCreate || ev.Event.Action == event.ActionWrite):
		if ev.Log.Input != "watch" {
			// A write in a log (Samba, 4663): to removable media it is checked against the files
			// known to hold BSNs; its path is not opened (it is on another machine, or outside the
			// watch: folders lekwacht was given to read).
			if event.RemovablePath(ev.File.Path) {
				return d.toMedia(ev)
			}
			return nil
		}
		return d.file(ev)
	}
	return nil
}

func mediaKey(ev *event.Event) string {
	return strings.ToLower(ev.User.Name) + "|" + strings.ToLower(ev.Host.Name)
}

// toMedia reports a file written to another drive by a user who attached removable storage on that
// host within the window: critical when a file of that name was found holding BSNs.
func (d *Detector) toMedia(ev *event.Event) []hit.Hit {
	a, ok := d.attached.Get(mediaKey(ev))
	if !ok || ev.Time.Before(a.at) || ev.Time.Sub(a.at) > d.window {
		return nil
	}
	name := strings.ToLower(baseName(ev.File.Path))
	n, known := d.bsnFiles.Get(name)
	if !known {
		return nil
	}
	h := d.hit(ev, "removable-media", n, fmt.Sprintf("bestand met %d geldige BSN's gekopieerd naar verwisselbare opslag", n))
	h.Severity = hit.SeverityCritical
	h.Hosts = []string{ev.Host.Name}
	h.Evidence = []hit.Evidence{a.line.Evidence(), hit.LineOf(ev)}
	return []hit.Hit{h}
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "\\/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// file inspects a local file named by the event (a watched folder) and preserves it when it holds
// BSNs: the numbers are evidence, never part of a summary.
func (d *Detector) file(ev *event.Event) []hit.Hit {
	p := ev.File.Path
	if !slices.Contains(Inspectable, strings.ToLower(extOf(p))) {
		return nil
	}
	res, err := Inspect(p, bsn.Options{MaxNumbers: -1})
	if err != nil {
		return nil
	}
	if many, column := res.Valid >= d.minBSNs && bsn.Likely(res), res.HeaderColumn && res.Valid > 0; !many && !column {
		return nil
	}
	d.bsnFiles.Add(strings.ToLower(baseName(p)), res.Valid)
	h := d.hit(ev, "file-bsns", res.Valid, fmt.Sprintf("bestand met %d geldige BSN's (%d ongeldige 9-cijferige nummers)", res.Valid, res.Invalid))
	h.Evidence = []hit.Evidence{{Kind: hit.EvidenceFile, Input: ev.Log.Input, Source: p, Time: ev.Time, File: p}}
	if ev.Log.Original != "" && ev.Log.Path != "" {
		h.Evidence = append(h.Evidence, hit.LineOf(ev))
	}
	return []hit.Hit{h}
}

func extOf(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i:]
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "een applicatie"
	}
	return s
}

func (d *Detector) hit(ev *event.Event, pattern string, subjects int, summary string) hit.Hit {
	h := hit.Hit{Detector: "bulk_bsn_export", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level,
		User: ev.User.Name, Pattern: pattern, Time: ev.Time, Window: time.Duration(d.rule.Window), Categories: d.rule.Categories,
		Subjects: subjects, Summary: summary}
	if h.User == "" {
		h.User = "(onbekend)"
	}
	if !slices.Contains(h.Categories, hit.CategoryBSN) {
		h.Categories = append(slices.Clone(h.Categories), hit.CategoryBSN)
	}
	if ev.Host.Workstation != "" {
		h.Hosts = []string{ev.Host.Workstation}
	}
	return h
}
