package sim

import (
	"context"
	"encoding/csv"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/register"
)

// Draft is what the evaluation needs of one draft incident.
type Draft struct {
	ID        string
	Detector  string
	Pattern   string
	User      string
	FirstSeen time.Time
	LastSeen  time.Time
	Delivered *bool
	Files     []string // sources of file evidence
	Summary   string
}

// Score is one detector's figures.
type Score struct {
	Detector   string
	Planted    int // cases planted for this detector
	Found      int // of those, reported by this detector
	Drafts     int // draft incidents this detector opened
	TrueDrafts int // of those, about a planted case (of any detector)
}

// Recall is found / planted (1 when nothing was planted).
func (s Score) Recall() float64 {
	if s.Planted == 0 {
		return 1
	}
	return float64(s.Found) / float64(s.Planted)
}

// Precision is true drafts / drafts (1 when there were none).
func (s Score) Precision() float64 {
	if s.Drafts == 0 {
		return 1
	}
	return float64(s.TrueDrafts) / float64(s.Drafts)
}

// Evaluation compares the drafts of one run with the truth.
type Evaluation struct {
	Scores      []Score
	Missed      []Case  // planted and not found by their detector
	False       []Draft // drafts about no planted case
	WrongFacts  []Case  // found, but a fact the case fixes (delivered) is wrong
	Employees   int
	Days        int
	FalseDrafts int
}

// FalsePerThousandPerDay is the false drafts per 1,000 employees per day.
func (e Evaluation) FalsePerThousandPerDay() float64 {
	return float64(e.FalseDrafts) / (float64(e.Employees) / 1000) / float64(e.Days)
}

// slack is how far outside a case's span an incident may start or end and still be about it: an
// incident joins hits over its rule's window.
const slack = 2 * time.Hour

// Evaluate matches drafts to the planted cases. A draft is about a case when its user is one of
// the case's users (accounts, or their work addresses as mail detectors name them) or its file
// evidence is the case's file, and its time span overlaps the case's. users maps a work address,
// and its local part, to the account.
func Evaluate(t *Truth, drafts []Draft, users map[string]string) Evaluation {
	ev := Evaluation{Employees: t.Employees, Days: t.Days}
	scores := map[string]*Score{}
	score := func(d string) *Score {
		if scores[d] == nil {
			scores[d] = &Score{Detector: d}
		}
		return scores[d]
	}
	account := func(u string) string {
		u = strings.ToLower(u)
		if a, ok := users[u]; ok {
			return a
		}
		return u
	}
	about := func(d Draft, c Case) bool {
		if d.LastSeen.Before(c.Start.Add(-slack)) || d.FirstSeen.After(c.End.Add(slack)) {
			return false
		}
		if c.File != "" && slices.Contains(d.Files, c.File) {
			return true
		}
		return slices.Contains(c.Users, account(d.User))
	}
	for _, c := range t.Cases {
		score(c.Detector).Planted++
	}
	found := make([]bool, len(t.Cases))
	wrong := make([]bool, len(t.Cases))
	for _, d := range drafts {
		s := score(d.Detector)
		s.Drafts++
		any := false
		for i, c := range t.Cases {
			if !about(d, c) {
				continue
			}
			any = true
			if c.Detector == d.Detector {
				found[i] = true
				if c.Delivered != nil && d.Delivered != nil && *c.Delivered != *d.Delivered {
					wrong[i] = true
				}
			}
		}
		if any {
			s.TrueDrafts++
		} else {
			ev.False = append(ev.False, d)
		}
	}
	for i, c := range t.Cases {
		if found[i] {
			score(c.Detector).Found++
		} else {
			ev.Missed = append(ev.Missed, c)
		}
		if wrong[i] {
			ev.WrongFacts = append(ev.WrongFacts, c)
		}
	}
	for _, s := range scores {
		ev.Scores = append(ev.Scores, *s)
	}
	sort.Slice(ev.Scores, func(i, j int) bool { return ev.Scores[i].Detector < ev.Scores[j].Detector })
	ev.FalseDrafts = len(ev.False)
	return ev
}

// WorkAddresses reads a directory CSV and maps each work address, and its local part, to the
// account: the mail detectors name a sender by address where the directory does not know it.
func WorkAddresses(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, r := range rows[1:] {
		addr := strings.ToLower(r[2])
		m[addr] = r[0]
		local, _, _ := strings.Cut(addr, "@")
		m[local] = r[0]
	}
	return m, nil
}

// Drafts reads every incident of a register in the form Evaluate takes, with the sources of the
// file evidence of bulk_bsn_export incidents (read through Show, so the access log records by).
func Drafts(ctx context.Context, reg *register.Register, by string) ([]Draft, error) {
	incs, err := reg.List(ctx, register.Filter{})
	if err != nil {
		return nil, err
	}
	var drafts []Draft
	for _, in := range incs {
		d := Draft{ID: in.ID, Detector: in.Detector, Pattern: in.Pattern, User: in.User, FirstSeen: in.FirstSeen,
			LastSeen: in.LastSeen, Delivered: in.Facts.Delivered, Summary: in.Summary}
		if in.Detector == "bulk_bsn_export" {
			full, err := reg.Show(ctx, in.ID, by, "evaluate")
			if err != nil {
				return nil, err
			}
			for _, e := range full.Evidence {
				if e.Kind == "file" {
					d.Files = append(d.Files, e.Source)
				}
			}
		}
		drafts = append(drafts, d)
	}
	return drafts, nil
}
