package esindex

import (
	"net/url"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// Document is one incident as indexed: ECS fields for Kibana and Elastic Security's alert views,
// and lekwacht's own under `lekwacht`. It carries counts, categories, account and host names and the
// register's masked summary: never a BSN, a mail address or a subject line.
type Document struct {
	Timestamp time.Time `json:"@timestamp"`
	Message   string    `json:"message"`
	Event     Event     `json:"event"`
	Rule      Rule      `json:"rule"`
	User      *Name     `json:"user,omitempty"`
	Host      *Name     `json:"host,omitempty"`
	Related   Related   `json:"related"`
	Observer  Observer  `json:"observer"`
	ECS       ECS       `json:"ecs"`
	Lekwacht  Lekwacht  `json:"lekwacht"`
}

// ECSVersion is the ECS version the document follows (ecs.version).
const ECSVersion = "8.11.0"

// ECS is ECS `ecs`.
type ECS struct {
	Version string `json:"version"`
}

// Event is ECS `event`.
type Event struct {
	Kind     string    `json:"kind"`
	Category []string  `json:"category"`
	Type     []string  `json:"type"`
	Severity int       `json:"severity"`
	Created  time.Time `json:"created"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Dataset  string    `json:"dataset"`
	Module   string    `json:"module"`
	ID       string    `json:"id"`
	// URL is the incident's page in lekwacht (ECS event.url: where to continue the investigation).
	URL string `json:"url,omitempty"`
}

// Rule is ECS `rule`.
type Rule struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Ruleset string `json:"ruleset"`
}

// Name is ECS `user` or `host` with only a name.
type Name struct {
	Name string `json:"name"`
}

// Related is ECS `related`.
type Related struct {
	User  []string `json:"user,omitempty"`
	Hosts []string `json:"hosts,omitempty"`
}

// Observer is ECS `observer`: which lekwacht saw it.
type Observer struct {
	Name    string `json:"name,omitempty"`
	Product string `json:"product"`
	Vendor  string `json:"vendor"`
	Version string `json:"version,omitempty"`
}

// Lekwacht is the incident as the register has it.
type Lekwacht struct {
	ID       string `json:"id"`
	Instance string `json:"instance,omitempty"`
	// Register names the register that wrote the document (its outbox epoch, RegisterStamp), so a
	// reset register's incident that reuses an id can be told from the earlier one.
	Register       string         `json:"register,omitempty"`
	Status         string         `json:"status"`
	Detector       string         `json:"detector"`
	Rule           string         `json:"rule"`
	RuleTitle      string         `json:"rule_title,omitempty"`
	Pattern        string         `json:"pattern,omitempty"`
	Severity       string         `json:"severity"`
	FirstSeen      time.Time      `json:"first_seen"`
	LastSeen       time.Time      `json:"last_seen"`
	DiscoveredAt   time.Time      `json:"discovered_at"`
	Deadline       time.Time      `json:"deadline"`
	UpdatedAt      time.Time      `json:"updated_at"`
	DataCategories []hit.Category `json:"data_categories"`
	Subjects       int            `json:"subjects"`
	EvidenceCount  int            `json:"evidence_count"`
	Summary        string         `json:"summary"`
	Facts          *Facts         `json:"facts,omitempty"`
	Outcome        *Outcome       `json:"outcome,omitempty"`
	Change         int64          `json:"change"`
	// URL is the incident's page in lekwacht (http.public_url + /incidents/<id>).
	URL string `json:"url,omitempty"`
}

// Facts are what the detectors established (absent when unknown).
type Facts struct {
	Delivered *bool `json:"delivered,omitempty"`
	Encrypted *bool `json:"encrypted,omitempty"`
	Internal  *bool `json:"internal,omitempty"`
}

// Outcome is the FG's completed assessment.
type Outcome struct {
	Register       bool `json:"register"`
	NotifyAP       bool `json:"notify_ap"`
	NotifySubjects bool `json:"notify_subjects"`
}

// severities map lekwacht's severities on ECS event.severity (the scale Elastic's detection rules use).
var severities = map[hit.Severity]int{hit.SeverityLow: 21, hit.SeverityMedium: 47, hit.SeverityHigh: 73, hit.SeverityCritical: 99}

// categories are the ECS event categories of each detector's incidents.
var categories = map[string][]string{
	"shared_credentials": {"authentication", "session"},
	"bulk_bsn_export":    {"file", "database"},
	"misdirected_mail":   {"email"},
	"private_mail":       {"email"},
	"record_snooping":    {"database"},
	"mass_deletion":      {"file"},
	"threshold":          {"intrusion_detection"},
}

// IncidentURL is the page of incident id in lekwacht at publicURL (http.public_url), the path of
// the FG's page (server: GET /incidents/{id}); "" without a public URL.
func IncidentURL(publicURL, id string) string {
	if publicURL == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/incidents/" + url.PathEscape(id)
}

// NewDocument builds the document of an incident; change is its external version (a number that
// grows with every change), outcome the completed assessment or nil.
func NewDocument(in *register.Incident, a *register.Assessment, instance, version string, change int64) Document {
	cat := categories[in.Detector]
	if cat == nil {
		cat = []string{"intrusion_detection"}
	}
	d := Document{
		Timestamp: in.UpdatedAt, Message: in.Summary,
		Event: Event{Kind: "alert", Category: cat, Type: []string{"info"}, Severity: severities[in.Severity],
			Created: in.DiscoveredAt, Start: in.FirstSeen, End: in.LastSeen, Dataset: "lekwacht.incident", Module: "lekwacht", ID: in.ID},
		Rule:     Rule{ID: in.Rule, Name: in.RuleTitle, Ruleset: in.Detector},
		Related:  Related{Hosts: in.Hosts},
		Observer: Observer{Name: instance, Product: "lekwacht", Vendor: "lekwacht", Version: version},
		ECS:      ECS{Version: ECSVersion},
		Lekwacht: Lekwacht{ID: in.ID, Instance: instance, Status: string(in.Status), Detector: in.Detector, Rule: in.Rule,
			RuleTitle: in.RuleTitle, Pattern: in.Pattern, Severity: string(in.Severity), FirstSeen: in.FirstSeen, LastSeen: in.LastSeen,
			DiscoveredAt: in.DiscoveredAt, Deadline: in.Deadline, UpdatedAt: in.UpdatedAt, DataCategories: in.DataCategories,
			Subjects: in.Subjects, EvidenceCount: in.EvidenceCount, Summary: in.Summary, Change: change},
	}
	if d.Lekwacht.DataCategories == nil {
		d.Lekwacht.DataCategories = []hit.Category{}
	}
	if in.User != "" {
		d.User = &Name{Name: in.User}
		d.Related.User = []string{in.User}
	}
	if len(in.Hosts) > 0 {
		d.Host = &Name{Name: in.Hosts[0]}
	}
	if f := in.Facts; f.Delivered != nil || f.Encrypted != nil || f.Internal != nil {
		d.Lekwacht.Facts = &Facts{Delivered: f.Delivered, Encrypted: f.Encrypted, Internal: f.Internal}
	}
	if a != nil && a.Outcome.Complete {
		d.Lekwacht.Outcome = &Outcome{Register: a.Outcome.Register, NotifyAP: a.Outcome.NotifyAP, NotifySubjects: a.Outcome.NotifySubjects}
	}
	return d
}
