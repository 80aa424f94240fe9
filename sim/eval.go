package sim

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/config"
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
	Hosts     []string
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

// StoryScore is one insider story's figures: how often it was planted, how often every detector it
// names reported it, and which other detectors reported it too (cases per detector).
type StoryScore struct {
	Story   string
	Planted int
	Found   int
	Others  map[string]int
}

// Recall is found / planted (1 when nothing was planted).
func (s StoryScore) Recall() float64 {
	if s.Planted == 0 {
		return 1
	}
	return float64(s.Found) / float64(s.Planted)
}

// PatternCount is how many false drafts one detector's pattern opened, and how many of them named
// each kind of hosts (HostKinds).
type PatternCount struct {
	Detector, Pattern string
	N                 int
	Hosts             map[string]int
}

// Evaluation compares the drafts of one run with the truth.
type Evaluation struct {
	Scores     []Score
	Stories    []StoryScore // per story, in the order of Stories
	Missed     []Case       // planted and not found by their detector (a case of several detectors: once per detector that missed it)
	Weak       []Case       // weak parts of cases (Case.Weak) that no draft reported: signals for the risk rule, not misses
	False      []Draft      // drafts about no planted case
	WrongFacts []Case       // found, but a fact the case fixes (delivered) is wrong
	Employees  int
	// Days are the days scored: the whole span, or after a learning period only the days after it
	// (the caller sets it when the learning period was applied).
	Days        int
	FalseDrafts int
	// Drafts are the drafts evaluated; Episodes what linking one person's incidents folds them
	// into: chains of drafts of the same user, each starting within RelatedWithin of the one before.
	Drafts, Episodes int
}

// FalsePerThousandPerDay is the false drafts per 1,000 employees per day.
func (e Evaluation) FalsePerThousandPerDay() float64 {
	return float64(e.FalseDrafts) / (float64(e.Employees) / 1000) / float64(e.Days)
}

// FalseByPattern counts the false drafts per detector and kind of pattern (PatternKind), most first.
func (e Evaluation) FalseByPattern() []PatternCount {
	n := map[[2]string]*PatternCount{}
	for _, d := range e.False {
		k := [2]string{d.Detector, PatternKind(d.Pattern)}
		if n[k] == nil {
			n[k] = &PatternCount{Detector: k[0], Pattern: k[1], Hosts: map[string]int{}}
		}
		n[k].N++
		if len(d.Hosts) > 0 {
			n[k].Hosts[HostKinds(d.Hosts)]++
		}
	}
	out := make([]PatternCount, 0, len(n))
	for _, v := range n {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Detector+"/"+out[i].Pattern < out[j].Detector+"/"+out[j].Pattern
	})
	return out
}

// HostKinds are a draft's hosts without their numbers, in order: flex-###+ws-#### for a hot desk
// and a workstation.
func HostKinds(hosts []string) string {
	var kinds []string
	for _, h := range hosts {
		k := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '#'
			}
			return r
		}, strings.ToLower(h))
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	return strings.Join(kinds, "+")
}

// PatternKind is a draft's pattern without what is particular to it: the digits of a host
// (host-many-accounts:flex-###), the group of a threshold rule (group), the domain of a look-alike
// (lookalike).
func PatternKind(p string) string {
	if kind, host, ok := strings.Cut(p, ":"); ok {
		return kind + ":" + strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '#'
			}
			return r
		}, host)
	}
	switch {
	case strings.HasPrefix(p, "group-"):
		return "group"
	case strings.HasPrefix(p, "lookalike-") && p != "lookalike-learned":
		return "lookalike"
	}
	return p
}

// DraftsPerEpisode is drafts / episodes (1 when there are none).
func (e Evaluation) DraftsPerEpisode() float64 {
	if e.Episodes == 0 {
		return 1
	}
	return float64(e.Drafts) / float64(e.Episodes)
}

// slack is how far outside a case's span an incident may start or end and still be about it: an
// incident joins hits over its rule's window.
const slack = 2 * time.Hour

// RelatedWithin is how close one person's drafts must start to be linked into one episode: the
// default of identity.related_within.
const RelatedWithin = config.DefaultRelatedWithin

// Evaluate matches drafts to the planted cases. A draft is about a case when its user, the directory
// account identity resolution gave it, is one of the case's users (case does not matter), or its
// file evidence is the case's file, and its time span overlaps the case's. A name the draft gives
// that is not the account (an address, a SID, an employee number) is about no case: the name was
// not resolved. A case of several detectors (Also) is planted, and found, once per detector.
func Evaluate(t *Truth, drafts []Draft) Evaluation {
	ev := Evaluation{Employees: t.Employees, Days: t.Days, Drafts: len(drafts), Episodes: Episodes(drafts, RelatedWithin)}
	scores := map[string]*Score{}
	score := func(d string) *Score {
		if scores[d] == nil {
			scores[d] = &Score{Detector: d}
		}
		return scores[d]
	}
	about := func(d Draft, c Case) bool {
		if d.LastSeen.Before(c.Start.Add(-slack)) || d.FirstSeen.After(c.End.Add(slack)) {
			return false
		}
		if c.File != "" && slices.Contains(d.Files, c.File) {
			return true
		}
		return slices.ContainsFunc(c.Users, func(u string) bool { return strings.EqualFold(u, d.User) })
	}
	// Each case once per detector that must report it.
	var cases []Case
	for _, c := range t.Cases {
		for _, det := range c.Detectors() {
			one := c
			one.Detector, one.Also = det, nil
			one.Weak = c.Weak && det == c.Detector
			cases = append(cases, one)
			score(det).Planted++
		}
	}
	found := make([]bool, len(cases))
	wrong := make([]bool, len(cases))
	reported := map[string]map[string]bool{} // case id -> detectors with a draft about it
	for _, d := range drafts {
		s := score(d.Detector)
		s.Drafts++
		any := false
		for i, c := range cases {
			if !about(d, c) {
				continue
			}
			any = true
			if reported[c.ID] == nil {
				reported[c.ID] = map[string]bool{}
			}
			reported[c.ID][d.Detector] = true
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
	for i, c := range cases {
		switch {
		case found[i]:
			score(c.Detector).Found++
		case c.Weak:
			ev.Weak = append(ev.Weak, c)
		default:
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
	ev.Stories = storyScores(t.Cases, cases, found, reported)
	return ev
}

// storyScores scores the stories: a story case is found when every detector it names found it.
// cases are the cases once per detector, found whether each was.
func storyScores(planted, cases []Case, found []bool, reported map[string]map[string]bool) []StoryScore {
	scores := map[string]*StoryScore{}
	for _, name := range Stories {
		scores[name] = &StoryScore{Story: name, Others: map[string]int{}}
	}
	for _, c := range planted {
		if c.Story == "" {
			continue
		}
		sc := scores[c.Story]
		if sc == nil {
			sc = &StoryScore{Story: c.Story, Others: map[string]int{}}
			scores[c.Story] = sc
		}
		sc.Planted++
		all := true
		for i, one := range cases {
			if one.ID == c.ID && !found[i] {
				all = false
			}
		}
		if all {
			sc.Found++
		}
		for det := range reported[c.ID] {
			if !slices.Contains(c.Detectors(), det) {
				sc.Others[det]++
			}
		}
	}
	out := make([]StoryScore, 0, len(scores))
	for _, name := range Stories {
		out = append(out, *scores[name])
		delete(scores, name)
	}
	for _, sc := range scores {
		out = append(out, *sc)
	}
	sort.SliceStable(out[len(Stories):], func(i, j int) bool { return out[len(Stories)+i].Story < out[len(Stories)+j].Story })
	return out
}

// Episodes counts what linking one person's drafts folds them into: per user (case does not
// matter), the chains of drafts each starting within within of the one before. A draft without a
// user is an episode of its own.
func Episodes(drafts []Draft, within time.Duration) int {
	byUser := map[string][]time.Time{}
	n := 0
	for _, d := range drafts {
		if d.User == "" {
			n++
			continue
		}
		u := strings.ToLower(d.User)
		byUser[u] = append(byUser[u], d.FirstSeen)
	}
	for _, starts := range byUser {
		slices.SortFunc(starts, time.Time.Compare)
		n++
		for i := 1; i < len(starts); i++ {
			if starts[i].Sub(starts[i-1]) > within {
				n++
			}
		}
	}
	return n
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
			LastSeen: in.LastSeen, Delivered: in.Facts.Delivered, Hosts: in.Hosts, Summary: in.Summary}
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
