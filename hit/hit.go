// Package hit defines what a detector reports and the register turns into a draft incident: who did
// what, how bad it is, which personal data it touches, and the original lines that prove it.
package hit

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lekwacht/lekwacht/event"
)

// Severity is how urgent a hit is.
type Severity string

// The severities, from least to most urgent.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every Severity in rising order.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Rank orders severities: low 1 ... critical 4, unknown 0.
func (s Severity) Rank() int { return slices.Index(Severities, s) + 1 }

// Max returns the more urgent of two severities.
func Max(a, b Severity) Severity {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Category is a kind of personal data (CONTRACT.md).
type Category string

// The data categories.
const (
	CategoryName       Category = "name"
	CategoryAddress    Category = "address"
	CategoryContact    Category = "contact"
	CategoryBSN        Category = "bsn"
	CategoryIDDocument Category = "id_document"
	CategoryFinancial  Category = "financial"
	CategoryHealth     Category = "health"
	CategorySpecial    Category = "special"  // other art. 9 AVG categories
	CategoryCriminal   Category = "criminal" // art. 10 AVG
	CategoryCredential Category = "credentials"
	CategoryMinors     Category = "minors"
	CategoryLocation   Category = "location"
	CategoryOther      Category = "other"
)

// Categories lists every Category.
var Categories = []Category{CategoryName, CategoryAddress, CategoryContact, CategoryBSN, CategoryIDDocument,
	CategoryFinancial, CategoryHealth, CategorySpecial, CategoryCriminal, CategoryCredential, CategoryMinors,
	CategoryLocation, CategoryOther}

// EvidenceKind says what an evidence item holds.
type EvidenceKind string

// The evidence kinds.
const (
	EvidenceLine EvidenceKind = "line" // one original log line
	EvidenceFile EvidenceKind = "file" // a copy of a file that triggered content inspection
)

// Evidence is one original line (or file) behind a hit, with where it was read.
type Evidence struct {
	Kind   EvidenceKind `json:"kind"`
	Input  string       `json:"input,omitempty"`
	Source string       `json:"source"`         // the log file (or inspected file) it was read from
	Offset int64        `json:"offset"`         // byte offset of the line in Source
	Line   int64        `json:"line,omitempty"` // 1-based line number, when known
	Time   time.Time    `json:"time"`           // the event's time
	Text   string       `json:"text,omitempty"` // the original line, without its newline (line items)
	File   string       `json:"file,omitempty"` // path of the file to preserve (file items)
}

// Facts are what a detector knows that the assessment flow asks about. Nil means unknown.
type Facts struct {
	Delivered *bool `json:"delivered,omitempty"` // mail reached its recipient (false: bounced, returned unopened)
	Encrypted *bool `json:"encrypted,omitempty"` // the data was adequately encrypted
	Internal  *bool `json:"internal,omitempty"`  // stayed inside the gemeente (colleague, own share)
}

// Hit is one detection.
type Hit struct {
	Detector   string        `json:"detector"`
	Rule       string        `json:"rule"`
	RuleTitle  string        `json:"rule_title,omitempty"`
	Severity   Severity      `json:"severity"`
	User       string        `json:"user"`              // the acting account
	Pattern    string        `json:"pattern,omitempty"` // what the detector saw, as a stable key: hits with the same detector, user and pattern within Window join one incident
	Hosts      []string      `json:"hosts,omitempty"`
	Time       time.Time     `json:"time"`   // when it happened (the latest event's time)
	Window     time.Duration `json:"window"` // the rule's window
	Categories []Category    `json:"categories,omitempty"`
	Subjects   int           `json:"subjects,omitempty"` // estimated number of betrokkenen
	Summary    string        `json:"summary"`            // one line without BSNs, addresses or subjects
	Facts      Facts         `json:"facts,omitzero"`
	Evidence   []Evidence    `json:"evidence"`
	// Signal marks a weak signal: a deviation from the person's own normal that opens no draft on
	// its own. The engine hands signals to the risk rule, which adds Weight to the person's score
	// and opens a draft when the score crosses its threshold, naming every contributing signal.
	Signal bool `json:"signal,omitempty"`
	// Weight is what the signal adds to the person's risk score (0: the risk rule's default).
	Weight float64 `json:"weight,omitempty"`
	// Deviation is how the signal deviated from the baseline, for the analyst.
	Deviation *Deviation `json:"deviation,omitempty"`
}

// Deviation is a signal's departure from the person's (and their peers') usual behaviour.
type Deviation struct {
	// Text says it in Dutch for the analyst: "eerste keer in 60 dagen", "12x het gebruikelijke volume".
	Text string `json:"text"`
	// HistoryDays is how many days of the person's history the baseline holds.
	HistoryDays int `json:"history_days"`
	// Value, Usual and PeerUsual compare an amount with the person's and the peer group's usual.
	Value     float64 `json:"value,omitempty"`
	Usual     float64 `json:"usual,omitempty"`
	PeerUsual float64 `json:"peer_usual,omitempty"`
	// First is true when the value was never seen for the person before.
	First bool `json:"first,omitempty"`
}

// Validate says what is missing or wrong, every problem at once.
func (h *Hit) Validate() error {
	var errs []error
	if h.Detector == "" {
		errs = append(errs, errors.New("detector is empty"))
	}
	if h.Rule == "" {
		errs = append(errs, errors.New("rule is empty"))
	}
	if h.Severity.Rank() == 0 {
		errs = append(errs, fmt.Errorf("severity %q is not one of %v", h.Severity, Severities))
	}
	if h.User == "" {
		errs = append(errs, errors.New("user is empty"))
	}
	if h.Time.IsZero() {
		errs = append(errs, errors.New("time is missing"))
	}
	if h.Window < 0 {
		errs = append(errs, errors.New("window is negative"))
	}
	for _, c := range h.Categories {
		if !slices.Contains(Categories, c) {
			errs = append(errs, fmt.Errorf("category %q is not one of %v", c, Categories))
		}
	}
	if len(h.Evidence) == 0 {
		errs = append(errs, errors.New("no evidence: a hit needs at least one original line or file"))
	}
	for i, e := range h.Evidence {
		switch {
		case e.Kind != EvidenceLine && e.Kind != EvidenceFile:
			errs = append(errs, fmt.Errorf("evidence %d: kind %q is not line or file", i+1, e.Kind))
		case e.Source == "":
			errs = append(errs, fmt.Errorf("evidence %d: source is empty", i+1))
		case e.Kind == EvidenceFile && e.File == "":
			errs = append(errs, fmt.Errorf("evidence %d: file item without a file to preserve", i+1))
		}
	}
	return errors.Join(errs...)
}

// LogValue keeps personal data out of lekwacht's own logs: a hit logs as its rule, severity and size.
func (h Hit) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("detector", h.Detector),
		slog.String("rule", h.Rule),
		slog.String("severity", string(h.Severity)),
		slog.Int("evidence", len(h.Evidence)),
		slog.Time("time", h.Time),
	)
}

// LineOf is the evidence of an event: its original line and where it was read.
func LineOf(ev *event.Event) Evidence {
	return Evidence{Kind: EvidenceLine, Input: ev.Log.Input, Source: ev.Log.Path, Offset: ev.Log.Offset,
		Line: ev.Log.Line, Time: ev.Time, Text: ev.Log.Original}
}
