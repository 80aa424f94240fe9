// Package config loads lekwacht.yaml: defaults, then the file, then LEKWACHT_* environment variables,
// decoded strictly into typed structs and validated with every problem reported at once.
package config

import (
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
)

// Config is the whole configuration file (see CONTRACT.md).
type Config struct {
	Organisation  Organisation  `mapstructure:"organisation" json:"organisation"`
	Register      Register      `mapstructure:"register" json:"register"`
	Inputs        []Input       `mapstructure:"inputs" json:"inputs"`
	Watch         []Watch       `mapstructure:"watch" json:"watch"`
	Directory     string        `mapstructure:"directory" json:"directory"`
	Identity      Identity      `mapstructure:"identity" json:"identity"`
	Rules         Rules         `mapstructure:"rules" json:"rules"`
	Events        Events        `mapstructure:"events" json:"events"`
	Elasticsearch Elasticsearch `mapstructure:"elasticsearch" json:"elasticsearch"`
	Kibana        Kibana        `mapstructure:"kibana" json:"kibana"`
	HTTP          HTTP          `mapstructure:"http" json:"http"`
	Hooks         []Hook        `mapstructure:"hooks" json:"hooks,omitempty"`
	// ServiceUser is the account `lekwacht run` runs as (the unit's User=; default lekwacht): what a
	// command run as root makes in register.dir, and a tokens file it creates, are given to it.
	ServiceUser string `mapstructure:"service_user" json:"service_user,omitempty"`

	// File is where the configuration was read from; empty for the embedded default.
	File string `mapstructure:"-" json:"-"`
}

// Organisation describes the gemeente.
type Organisation struct {
	Name            string   `mapstructure:"name" json:"name"`
	Domains         []string `mapstructure:"domains" json:"domains"`
	PartnerDomains  []string `mapstructure:"partner_domains" json:"partner_domains"`
	SharedHosts     []string `mapstructure:"shared_hosts" json:"shared_hosts"`
	ServiceAccounts []string `mapstructure:"service_accounts" json:"service_accounts"`
	WorkingHours    string   `mapstructure:"working_hours" json:"working_hours"`
	Timezone        string   `mapstructure:"timezone" json:"timezone"`
	FG              Contact  `mapstructure:"fg" json:"fg"`
}

// Contact is a person to reach.
type Contact struct {
	Name  string `mapstructure:"name" json:"name"`
	Email string `mapstructure:"email" json:"email"`
	Phone string `mapstructure:"phone" json:"phone,omitempty"`
}

// Register says where the datalekregister lives.
type Register struct {
	Dir string `mapstructure:"dir" json:"dir"`
	// Instance names this lekwacht when several log servers feed one Elasticsearch: it goes into
	// every incident id (LW-<INSTANCE>-2026-000001) and into the documents. Letters and digits, up to 12.
	Instance string `mapstructure:"instance" json:"instance,omitempty"`
}

// Input is one log source: a format and the files to follow.
type Input struct {
	Name         string         `mapstructure:"name" json:"name"`
	Format       string         `mapstructure:"format" json:"format"`
	Paths        []string       `mapstructure:"paths" json:"paths"`
	Exclude      []string       `mapstructure:"exclude" json:"exclude,omitempty"`
	Mapping      *parse.Mapping `mapstructure:"mapping" json:"mapping,omitempty"`
	Prefix       string         `mapstructure:"prefix" json:"prefix,omitempty"` // samba-audit: full_audit:prefix
	Poll         time.Duration  `mapstructure:"poll" json:"poll,omitempty"`     // >0: stat polling (NFS/SMB mounts)
	MaxLineBytes int            `mapstructure:"max_line_bytes" json:"max_line_bytes,omitempty"`
	FromEnd      bool           `mapstructure:"from_end" json:"from_end,omitempty"`
	Timezone     string         `mapstructure:"timezone" json:"timezone,omitempty"` // for zone-less stamps; default organisation.timezone
	// ExpectEvery is the longest quiet an input's log has in normal work (1h for mail on a weekday):
	// no new line for longer makes run's health degraded. 0: any quiet is normal.
	ExpectEvery time.Duration `mapstructure:"expect_every" json:"expect_every,omitempty"`
}

// Watch is a folder whose new files are inspected for personal data.
type Watch struct {
	Path      string `mapstructure:"path" json:"path"`
	Recursive bool   `mapstructure:"recursive" json:"recursive"`
	// Share is the file share this folder is, named as the Samba audit lines (%S) or Windows 5145
	// events (ShareName) name it: a file that appears here is attributed to whoever the audit lines
	// say created, wrote or renamed it, not to the file's owner.
	Share string `mapstructure:"share" json:"share,omitempty"`
	// Input is the input whose audit lines count for Share; empty: any input.
	Input string `mapstructure:"input" json:"input,omitempty"`
	// SharePath is this folder as the file server names it in its audit lines (Samba's path = of the
	// share, Windows ShareLocalPath), when that is not Path: lekwacht reading the share over a
	// mount, or a Windows file server.
	SharePath string `mapstructure:"share_path" json:"share_path,omitempty"`
}

// ShareFormats are the formats whose audit lines name the share of a file event.
var ShareFormats = []string{"samba-audit", "winlog-json", "winlog-xml", "snare"}

// WindowsFormats are the formats of Windows Security events, whose paths start with a drive.
var WindowsFormats = []string{"winlog-json", "winlog-xml", "snare"}

// Identity says how the names in the logs are resolved to the people in the directory.
type Identity struct {
	// Sources are more directory files merged into `directory`, matched by account: an Active
	// Directory export (LDIF, or CSV from csvde or Export-Csv) or another staff CSV. What the
	// directory lacks for a person (aliases, UPN, SID, employee number, manager, ...) is added.
	Sources []string `mapstructure:"sources" json:"sources,omitempty"`
	// AdminAccounts are the patterns of admin account names, {user} standing for the owner's account
	// (adm_{user}, {user}-adm): such an account is linked to its owner and kept apart as an admin account.
	AdminAccounts []string `mapstructure:"admin_accounts" json:"admin_accounts,omitempty"`
	// RelatedWithin links the incidents of one person that lie within this period of each other
	// (default 7 days): linked, not merged.
	RelatedWithin time.Duration `mapstructure:"related_within" json:"related_within,omitempty"`
}

// DefaultRelatedWithin is identity.related_within when the config gives none.
const DefaultRelatedWithin = 7 * 24 * time.Hour

// Rules points at the gemeente's own rule files.
type Rules struct {
	Dir string `mapstructure:"dir" json:"dir"`
}

// Events optionally writes every normalized event as JSON lines.
type Events struct {
	File string `mapstructure:"file" json:"file"`
}

// Elasticsearch is the optional index for triage in Kibana.
type Elasticsearch struct {
	Addresses   []string `mapstructure:"addresses" json:"addresses"`
	APIKey      string   `mapstructure:"api_key" json:"api_key"`
	Username    string   `mapstructure:"username" json:"username"`
	Password    string   `mapstructure:"password" json:"password"`
	CACert      string   `mapstructure:"ca_cert" json:"ca_cert"`
	IndexPrefix string   `mapstructure:"index_prefix" json:"index_prefix"`
}

// Kibana is where the saved objects go, and where the security team triages when Triage says so.
type Kibana struct {
	URL string `mapstructure:"url" json:"url"`
	// Triage is where drafts are decided besides lekwacht itself: TriageOff (the default: Kibana
	// only shows them), TriageAlerts (the status of the Security alerts of the rule "lekwacht
	// incident" and the register follow each other) or TriageCases (a Kibana Case per draft).
	Triage Triage `mapstructure:"triage" json:"triage,omitempty"`
	// Poll is how often the sync asks Kibana for changed alerts (default DefaultKibanaPoll).
	Poll time.Duration `mapstructure:"poll" json:"poll,omitempty"`
}

// Triage is kibana.triage.
type Triage string

// The values of kibana.triage.
const (
	TriageOff    Triage = "off"
	TriageAlerts Triage = "alerts"
	TriageCases  Triage = "cases"
)

// Triages are the allowed values of kibana.triage ("" is off).
var Triages = []Triage{TriageOff, TriageAlerts, TriageCases}

// On says whether the sync with Kibana runs.
func (t Triage) On() bool { return t == TriageAlerts || t == TriageCases }

// DefaultKibanaPoll is kibana.poll when the config gives none.
const DefaultKibanaPoll = time.Minute

// PollEvery is kibana.poll, or DefaultKibanaPoll.
func (k Kibana) PollEvery() time.Duration {
	if k.Poll <= 0 {
		return DefaultKibanaPoll
	}
	return k.Poll
}

// Hook is a response action run when a high or critical incident opens: a webhook (JSON, signed
// with HMAC-SHA256) and/or a command.
type Hook struct {
	Name        string        `mapstructure:"name" json:"name"`
	MinSeverity string        `mapstructure:"min_severity" json:"min_severity,omitempty"` // default high
	Detectors   []string      `mapstructure:"detectors" json:"detectors,omitempty"`       // empty: every detector
	Webhook     *Webhook      `mapstructure:"webhook" json:"webhook,omitempty"`
	Command     []string      `mapstructure:"command" json:"command,omitempty"` // argv; {id} {user} {severity} {detector} {rule} filled in
	Timeout     time.Duration `mapstructure:"timeout" json:"timeout,omitempty"`
	MaxAttempts int           `mapstructure:"max_attempts" json:"max_attempts,omitempty"`
}

// Webhook is where a hook posts its JSON.
type Webhook struct {
	URL        string `mapstructure:"url" json:"url"`
	SecretFile string `mapstructure:"secret_file" json:"secret_file,omitempty"` // the HMAC key, one line
}

// HTTP is the API and the FG's web page.
type HTTP struct {
	Listen     string `mapstructure:"listen" json:"listen"`
	TokensFile string `mapstructure:"tokens_file" json:"tokens_file"`
	TLSCert    string `mapstructure:"tls_cert" json:"tls_cert,omitempty"` // PEM certificate (chain); with TLSKey: HTTPS
	TLSKey     string `mapstructure:"tls_key" json:"tls_key,omitempty"`
	// PublicURL is where people reach the FG's page (https://lekwacht.voorbeeld.local:8470): every
	// indexed incident links to PublicURL/incidents/<id>, shown in Kibana as "Beoordelen in lekwacht".
	PublicURL string `mapstructure:"public_url" json:"public_url,omitempty"`
}

// DefaultServiceUser is service_user when the config gives none: the user of deploy/systemd.
const DefaultServiceUser = "lekwacht"

// RunAs is the service user: service_user, or DefaultServiceUser.
func (c *Config) RunAs() string {
	if c.ServiceUser == "" {
		return DefaultServiceUser
	}
	return c.ServiceUser
}

// Location returns the gemeente's time zone (validated by Validate).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Organisation.Timezone)
	if err != nil {
		return time.Local
	}
	return loc
}

// InputLocation returns the zone for an input's zone-less timestamps.
func (c *Config) InputLocation(in Input) *time.Location {
	if in.Timezone != "" {
		if loc, err := time.LoadLocation(in.Timezone); err == nil {
			return loc
		}
	}
	return c.Location()
}

// Masked returns a copy with secrets replaced, for printing.
func (c Config) Masked() Config {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "********"
	}
	c.Elasticsearch.APIKey = mask(c.Elasticsearch.APIKey)
	c.Elasticsearch.Password = mask(c.Elasticsearch.Password)
	return c
}
