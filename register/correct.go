package register

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

// Correction is what the FG (or the security team) knows better than lekwacht's estimate: the data
// categories, the number of betrokkenen, the kind of group, the start and end of the leak and the
// number of records. A nil field is left as it is. Read back (Incident.Corrected) it holds every
// field corrected so far, with who made the latest correction and when.
type Correction struct {
	Categories  []hit.Category `json:"categories,omitempty"`
	SubjectsMin *int           `json:"subjects_min,omitempty"`
	SubjectsMax *int           `json:"subjects_max,omitempty"`
	Group       *string        `json:"group,omitempty"` // the kind of betrokkenen: inwoners, medewerkers, ...
	LeakStart   *time.Time     `json:"leak_start,omitempty"`
	LeakEnd     *time.Time     `json:"leak_end,omitempty"`
	Records     *int           `json:"records,omitempty"` // number of records (dossiers, rows) involved

	By string    `json:"by,omitempty"`
	At time.Time `json:"at,omitzero"`
}

// The answers-table keys a correction is stored under: chained as answers, so Verify covers them.
const correctionPrefix = "correction."

const (
	corrCategories  = correctionPrefix + "categories"
	corrSubjectsMin = correctionPrefix + "subjects_min"
	corrSubjectsMax = correctionPrefix + "subjects_max"
	corrGroup       = correctionPrefix + "group"
	corrLeakStart   = correctionPrefix + "leak_start"
	corrLeakEnd     = correctionPrefix + "leak_end"
	corrRecords     = correctionPrefix + "records"
)

// GroupKinds are the kinds of betrokkenen the AP form offers; a correction may name another.
var GroupKinds = []string{"inwoners", "medewerkers", "cliënten", "leerlingen of studenten", "minderjarigen",
	"patiënten", "klanten", "sollicitanten", "leveranciers of relaties"}

// empty says whether c changes nothing.
func (c Correction) empty() bool {
	return c.Categories == nil && c.SubjectsMin == nil && c.SubjectsMax == nil && c.Group == nil &&
		c.LeakStart == nil && c.LeakEnd == nil && c.Records == nil
}

// validate checks c against itself and against what is already corrected (old may be nil).
func (c Correction) validate(old *Correction) error {
	var errs []error
	for _, k := range c.Categories {
		if !slices.Contains(hit.Categories, k) {
			errs = append(errs, fmt.Errorf("%w: category %q is not one of %v", ErrInvalid, k, hit.Categories))
		}
	}
	for name, n := range map[string]*int{"--betrokkenen-min": c.SubjectsMin, "--betrokkenen-max": c.SubjectsMax, "--records": c.Records} {
		if n != nil && *n < 0 {
			errs = append(errs, fmt.Errorf("%w: %s must be 0 or more", ErrInvalid, name))
		}
	}
	merged := c
	if old != nil {
		merged = old.merge(c)
	}
	if merged.SubjectsMin != nil && merged.SubjectsMax != nil && *merged.SubjectsMax < *merged.SubjectsMin {
		errs = append(errs, fmt.Errorf("%w: betrokkenen: the maximum %d is below the minimum %d", ErrInvalid, *merged.SubjectsMax, *merged.SubjectsMin))
	}
	if merged.LeakStart != nil && merged.LeakEnd != nil && merged.LeakEnd.Before(*merged.LeakStart) {
		errs = append(errs, fmt.Errorf("%w: the leak ends (%s) before it starts (%s)", ErrInvalid,
			merged.LeakEnd.Format(time.RFC3339), merged.LeakStart.Format(time.RFC3339)))
	}
	if c.Group != nil && strings.TrimSpace(*c.Group) == "" {
		errs = append(errs, fmt.Errorf("%w: --group is empty", ErrInvalid))
	}
	return errors.Join(errs...)
}

// merge lays c over old: what c sets wins.
func (old Correction) merge(c Correction) Correction {
	m := old
	if c.Categories != nil {
		m.Categories = c.Categories
	}
	if c.SubjectsMin != nil {
		m.SubjectsMin = c.SubjectsMin
	}
	if c.SubjectsMax != nil {
		m.SubjectsMax = c.SubjectsMax
	}
	if c.Group != nil {
		m.Group = c.Group
	}
	if c.LeakStart != nil {
		m.LeakStart = c.LeakStart
	}
	if c.LeakEnd != nil {
		m.LeakEnd = c.LeakEnd
	}
	if c.Records != nil {
		m.Records = c.Records
	}
	return m
}

// values are the stored key/value pairs of c, in a fixed order.
func (c Correction) values() [][2]string {
	var out [][2]string
	if c.Categories != nil {
		s := make([]string, len(c.Categories))
		for i, k := range c.Categories {
			s[i] = string(k)
		}
		out = append(out, [2]string{corrCategories, strings.Join(s, ",")})
	}
	num := func(k string, n *int) {
		if n != nil {
			out = append(out, [2]string{k, strconv.Itoa(*n)})
		}
	}
	num(corrSubjectsMin, c.SubjectsMin)
	num(corrSubjectsMax, c.SubjectsMax)
	if c.Group != nil {
		out = append(out, [2]string{corrGroup, strings.TrimSpace(*c.Group)})
	}
	if c.LeakStart != nil {
		out = append(out, [2]string{corrLeakStart, c.LeakStart.UTC().Format(time.RFC3339)})
	}
	if c.LeakEnd != nil {
		out = append(out, [2]string{corrLeakEnd, c.LeakEnd.UTC().Format(time.RFC3339)})
	}
	num(corrRecords, c.Records)
	return out
}

// set reads one stored key/value pair into c; unknown keys are ignored.
func (c *Correction) set(k, v string, loc *time.Location) {
	atoi := func() *int {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil
		}
		return &n
	}
	tm := func() *time.Time {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil
		}
		t = t.In(loc)
		return &t
	}
	switch k {
	case corrCategories:
		c.Categories = []hit.Category{}
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.Categories = append(c.Categories, hit.Category(s))
			}
		}
	case corrSubjectsMin:
		c.SubjectsMin = atoi()
	case corrSubjectsMax:
		c.SubjectsMax = atoi()
	case corrGroup:
		c.Group = &v
	case corrLeakStart:
		c.LeakStart = tm()
	case corrLeakEnd:
		c.LeakEnd = tm()
	case corrRecords:
		c.Records = atoi()
	}
}

// Correct records the FG's corrections of an incident: every corrected field as a chained record,
// and one history entry (the status unchanged) that says in Dutch what changed from what, by whom
// and why. Who and why are required. Every document, the assessment's suggestions and the register
// export use the corrected values from then on; lekwacht's own estimate stays in the incident.
func (r *Register) Correct(ctx context.Context, id, by, reason string, c Correction) (*Incident, error) {
	if err := needWhoWhy(by, reason); err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, fmt.Errorf("%w: nothing to correct (--categories, --betrokkenen-min, --betrokkenen-max, --group, --leak-start, --leak-end, --records)", ErrInvalid)
	}
	var in *Incident
	err := r.write(ctx, func(tx *sql.Tx, ch *chain) error {
		var err error
		if in, err = r.get(ctx, tx, id); err != nil {
			return err
		}
		if in.Status == StatusDismissed {
			return fmt.Errorf("%w: %s is dismissed (no incident); a correction is for a real incident", ErrTransition, id)
		}
		if err := c.validate(in.Corrected); err != nil {
			return err
		}
		at := r.now()
		for _, kv := range c.values() {
			if err := r.recordAnswer(ctx, tx, ch, id, kv[0], kv[1], by, at); err != nil {
				return err
			}
		}
		text := "correctie: " + CorrectionText(in, c) + "; reden: " + strings.TrimSpace(reason)
		if err := r.recordChange(ctx, tx, ch, in, by, in.Status, in.Status, text, at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET updated_at = ? WHERE id = ?`, nanos(at), id); err != nil {
			return err
		}
		return r.enqueue(ctx, tx, in, false, nanos(at))
	})
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, id)
}

// CorrectionText says in Dutch what c changes on in, with the value before: "aantal betrokkenen
// 120 tot 150 (was: geschat 0)".
func CorrectionText(in *Incident, c Correction) string {
	var parts []string
	if c.Categories != nil {
		parts = append(parts, fmt.Sprintf("soorten persoonsgegevens %s (was: %s)", codes(c.Categories), codes(in.EffectiveCategories())))
	}
	if c.SubjectsMin != nil || c.SubjectsMax != nil {
		old := Correction{}
		if in.Corrected != nil {
			old = *in.Corrected
		}
		lo, hi := in.SubjectsBounds()
		m := old.merge(c)
		nlo, nhi := lo, hi
		if m.SubjectsMin != nil {
			nlo = *m.SubjectsMin
		}
		if m.SubjectsMax != nil {
			nhi = *m.SubjectsMax
		}
		nhi = max(nhi, nlo)
		parts = append(parts, fmt.Sprintf("aantal betrokkenen %s (was: %s)", rangeText(nlo, nhi), rangeTextEstimate(in, lo, hi)))
	}
	if c.Group != nil {
		parts = append(parts, fmt.Sprintf("groep betrokkenen %s (was: %s)", strings.TrimSpace(*c.Group), orUnknown(in.GroupKind())))
	}
	start, end := in.LeakPeriod()
	if c.LeakStart != nil {
		parts = append(parts, fmt.Sprintf("begin van het datalek %s (was: %s)", stamp(*c.LeakStart, in), stamp(start, in)))
	}
	if c.LeakEnd != nil {
		parts = append(parts, fmt.Sprintf("einde van het datalek %s (was: %s)", stamp(*c.LeakEnd, in), stamp(end, in)))
	}
	if c.Records != nil {
		was := "onbekend"
		if n, ok := in.RecordCount(); ok {
			was = strconv.Itoa(n)
		}
		parts = append(parts, fmt.Sprintf("aantal records %d (was: %s)", *c.Records, was))
	}
	return strings.Join(parts, "; ")
}

func codes(cs []hit.Category) string {
	if len(cs) == 0 {
		return "geen"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func rangeText(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d tot %d", lo, hi)
}

func rangeTextEstimate(in *Incident, lo, hi int) string {
	if in.Corrected == nil || in.Corrected.SubjectsMin == nil && in.Corrected.SubjectsMax == nil {
		if in.Subjects <= 0 {
			return "onbekend"
		}
		return fmt.Sprintf("geschat %d", in.Subjects)
	}
	return rangeText(lo, hi)
}

func orUnknown(s string) string {
	if s == "" {
		return "onbekend"
	}
	return s
}

func stamp(t time.Time, in *Incident) string {
	if t.IsZero() {
		return "onbekend"
	}
	if !in.DiscoveredAt.IsZero() {
		t = t.In(in.DiscoveredAt.Location())
	}
	return t.Format("02-01-2006 15:04")
}

// EffectiveCategories are the data categories as corrected, else as lekwacht found them.
func (in *Incident) EffectiveCategories() []hit.Category {
	if in.Corrected != nil && in.Corrected.Categories != nil {
		return in.Corrected.Categories
	}
	return in.DataCategories
}

// SubjectsBounds is the number of betrokkenen as a range: the FG's correction where given (a
// missing bound taken from the other), else lekwacht's estimate for both. 0, 0 means unknown.
func (in *Incident) SubjectsBounds() (lo, hi int) {
	lo, hi = max(in.Subjects, 0), max(in.Subjects, 0)
	c := in.Corrected
	if c == nil || c.SubjectsMin == nil && c.SubjectsMax == nil {
		return lo, hi
	}
	switch {
	case c.SubjectsMin != nil && c.SubjectsMax != nil:
		return *c.SubjectsMin, *c.SubjectsMax
	case c.SubjectsMin != nil:
		return *c.SubjectsMin, max(*c.SubjectsMin, hi)
	}
	return min(lo, *c.SubjectsMax), *c.SubjectsMax
}

// SubjectsKnown says whether anything is known about the number of betrokkenen: an estimate above
// 0, or a correction (a corrected 0 is known: nobody).
func (in *Incident) SubjectsKnown() bool {
	c := in.Corrected
	return in.Subjects > 0 || c != nil && (c.SubjectsMin != nil || c.SubjectsMax != nil)
}

// GroupKind is the corrected kind of betrokkenen, "" when not given.
func (in *Incident) GroupKind() string {
	if in.Corrected != nil && in.Corrected.Group != nil {
		return *in.Corrected.Group
	}
	return ""
}

// LeakPeriod is when the leak started and ended: as corrected, else the first and last evidence.
func (in *Incident) LeakPeriod() (start, end time.Time) {
	start, end = in.FirstSeen, in.LastSeen
	if c := in.Corrected; c != nil {
		if c.LeakStart != nil {
			start = *c.LeakStart
		}
		if c.LeakEnd != nil {
			end = *c.LeakEnd
		}
	}
	return start, end
}

// RecordCount is the corrected number of records, when given.
func (in *Incident) RecordCount() (int, bool) {
	if in.Corrected != nil && in.Corrected.Records != nil {
		return *in.Corrected.Records, true
	}
	return 0, false
}
