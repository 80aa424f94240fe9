package register

import (
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/hit"
)

// Status is where an incident is in its lifecycle.
type Status string

// The statuses: draft -> open | dismissed; open -> assessed -> closed.
const (
	StatusDraft     Status = "draft"     // opened by lekwacht, waiting for the security team
	StatusOpen      Status = "open"      // a real incident, handed to the FG
	StatusDismissed Status = "dismissed" // a false alarm, with the reason
	StatusAssessed  Status = "assessed"  // the FG has gone through the assessment flow
	StatusClosed    Status = "closed"    // follow-up done
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusDraft, StatusOpen, StatusDismissed, StatusAssessed, StatusClosed}

// transitions are the legal lifecycle steps.
var transitions = map[Status][]Status{
	StatusDraft:    {StatusOpen, StatusDismissed},
	StatusOpen:     {StatusAssessed},
	StatusAssessed: {StatusClosed},
}

// joinable are the statuses a new hit of the same pattern joins; after that a new incident opens.
var joinable = []Status{StatusDraft, StatusOpen}

// literals is statuses as an SQL list of string literals, ('draft', 'open'): constants of ours, never input.
func literals(ss []Status) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// Incident is one (draft) datalek, as `incidents list --json` and `show --json` give it.
type Incident struct {
	ID             string         `json:"id"`
	Status         Status         `json:"status"`
	Detector       string         `json:"detector"`
	Rule           string         `json:"rule"`
	RuleTitle      string         `json:"rule_title,omitempty"`
	Severity       hit.Severity   `json:"severity"`
	User           string         `json:"user"`
	Pattern        string         `json:"pattern,omitempty"`
	Hosts          []string       `json:"hosts"`
	FirstSeen      time.Time      `json:"first_seen"`
	LastSeen       time.Time      `json:"last_seen"`
	DiscoveredAt   time.Time      `json:"discovered_at"`
	Deadline       time.Time      `json:"deadline"`
	DataCategories []hit.Category `json:"data_categories"`
	Subjects       int            `json:"subjects"`
	EvidenceCount  int            `json:"evidence_count"`
	Summary        string         `json:"summary"`
	Facts          hit.Facts      `json:"facts"`
	Window         time.Duration  `json:"-"`
	UpdatedAt      time.Time      `json:"updated_at"`

	// Corrected holds the FG's corrections (categories, betrokkenen, group, leak period, records);
	// nil when there are none. The fields above stay lekwacht's own estimate.
	Corrected *Correction `json:"corrected,omitempty"`
	ap        apState     // for Clock, read with the incident

	// Filled by Show.
	Evidence   []Evidence  `json:"evidence,omitempty"`
	Assessment *Assessment `json:"assessment,omitempty"`
	History    []Change    `json:"history,omitempty"`
}

// LogValue keeps personal data out of lekwacht's own logs.
func (in Incident) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", in.ID), slog.String("status", string(in.Status)),
		slog.String("rule", in.Rule), slog.String("severity", string(in.Severity)))
}

// Evidence is one preserved item.
type Evidence struct {
	Seq          int              `json:"seq"`
	Kind         hit.EvidenceKind `json:"kind"`
	Input        string           `json:"input,omitempty"`
	Source       string           `json:"source"`
	Offset       int64            `json:"offset"`
	Line         int64            `json:"line,omitempty"`
	Time         time.Time        `json:"time"`
	SHA256       string           `json:"sha256"`
	Size         int64            `json:"size"`
	Text         string           `json:"text,omitempty"` // the original line (line items)
	RegisteredAt time.Time        `json:"registered_at"`
}

// Change is one lifecycle step.
type Change struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason"`
}

// Assessment is the flow for one incident: the questions with suggestions and the FG's answers,
// the details the AP form asks for, and the outcome the answers lead to.
type Assessment struct {
	Questions []QuestionState    `json:"questions"`
	Details   map[string]Detail  `json:"details,omitempty"`
	Outcome   assessment.Outcome `json:"outcome"`
	Suggested assessment.Outcome `json:"suggested_outcome"`
}

// QuestionState is one question with its suggested and given answer.
type QuestionState struct {
	ID         assessment.QuestionID `json:"id"`
	Question   string                `json:"question"`
	Suggested  string                `json:"suggested"` // yes or no
	Reason     string                `json:"reason"`
	Unknown    []string              `json:"unknown,omitempty"` // what the suggestion could not know (Dutch), see assessment.Suggestion
	Answer     string                `json:"answer,omitempty"`  // yes or no, empty while unanswered
	By         string                `json:"by,omitempty"`
	At         *time.Time            `json:"at,omitempty"`
	Motivation string                `json:"motivation,omitempty"`
}

// Detail is a free-text answer the AP form or the register needs (measures, consequences, ...).
type Detail struct {
	Value string    `json:"value"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// AssessmentFacts are the facts the register derives from the incident for the flow, with the FG's
// corrections. Whether personal data are involved is unknown (nil) when neither categories nor
// betrokkenen are known: the suggestion then says so and asks, rather than answering no.
func (in *Incident) AssessmentFacts() assessment.Facts {
	yes := true
	cats := in.EffectiveCategories()
	lo, hi := in.SubjectsBounds()
	f := assessment.Facts{
		SecurityIncident: &yes,
		Categories:       cats,
		Subjects:         hi,
		SubjectsMin:      lo,
		SubjectsKnown:    in.SubjectsKnown(),
		Delivered:        in.Facts.Delivered,
		Why:              "Gevonden: " + in.RuleTitleOrNature() + ".",
	}
	if len(cats) > 0 || hi > 0 {
		f.PersonalData = &yes
	} else if in.SubjectsKnown() {
		no := false
		f.PersonalData = &no
	}
	switch {
	case in.Facts.Encrypted != nil:
		f.Encrypted = *in.Facts.Encrypted
	case in.Detector == "record_snooping" || in.Detector == "shared_credentials":
		// Looked at in the application itself: shown in clear to whoever looked.
	default:
		f.EncryptionUnknown = true
	}
	return f
}

// RuleTitleOrNature is the rule's title, or the detector's kind of finding in Dutch.
func (in *Incident) RuleTitleOrNature() string {
	if n, ok := detectorFindings[in.Detector]; ok {
		return n
	}
	if in.RuleTitle != "" {
		return in.RuleTitle
	}
	return "een overschrijding van een drempel in de logboeken"
}

// detectorFindings word what each detector finds, for the assessment's reasons.
var detectorFindings = map[string]string{
	"shared_credentials": "inloggegevens van een ander gebruikt",
	"bulk_bsn_export":    "een export of kopie met veel burgerservicenummers",
	"misdirected_mail":   "persoonsgegevens gemaild aan een verkeerde ontvanger",
	"private_mail":       "persoonsgegevens gemaild naar een privé-mailbox",
	"record_snooping":    "dossiers ingezien zonder aanleiding",
	"mass_deletion":      "veel gegevens in korte tijd verwijderd",
}

// merge folds a hit into the incident's derived fields.
func (in *Incident) merge(h *hit.Hit, first, last time.Time) {
	in.Severity = hit.Max(in.Severity, h.Severity)
	for _, host := range h.Hosts {
		if !slices.Contains(in.Hosts, host) {
			in.Hosts = append(in.Hosts, host)
		}
	}
	for _, c := range h.Categories {
		if !slices.Contains(in.DataCategories, c) {
			in.DataCategories = append(in.DataCategories, c)
		}
	}
	slices.Sort(in.Hosts)
	slices.Sort(in.DataCategories)
	in.Subjects = max(in.Subjects, h.Subjects)
	if h.Summary != "" {
		in.Summary = redact(h.Summary)
	}
	if in.RuleTitle == "" {
		in.RuleTitle = h.RuleTitle
	}
	if first.Before(in.FirstSeen) || in.FirstSeen.IsZero() {
		in.FirstSeen = first
	}
	if last.After(in.LastSeen) {
		in.LastSeen = last
	}
	in.Facts.Delivered = anyTrue(in.Facts.Delivered, h.Facts.Delivered)
	in.Facts.Encrypted = allTrue(in.Facts.Encrypted, h.Facts.Encrypted)
	in.Facts.Internal = allTrue(in.Facts.Internal, h.Facts.Internal)
}

// anyTrue: delivered once is delivered.
func anyTrue(a, b *bool) *bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	v := *a || *b
	return &v
}

// allTrue: encrypted only when every part was.
func allTrue(a, b *bool) *bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	v := *a && *b
	return &v
}

// personalData finds what must not stand in a summary in clear text: mail addresses and 9-digit
// numbers, bare, dotted or spaced (BSNs).
var personalData = regexp.MustCompile(`[\w.+-]+@[\w-]+(\.[\w-]+)+|\b\d{4}[. ]\d{2}[. ]\d{3}\b|\b\d{8,9}\b`)

// redact masks mail addresses and BSN-like numbers: a detector's summary should carry none, and the
// register makes sure.
func redact(s string) string { return personalData.ReplaceAllString(s, "[verwijderd]") }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
