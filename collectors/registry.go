package collectors

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/combined"
	"github.com/lekwacht/lekwacht/collectors/csvlog"
	"github.com/lekwacht/lekwacht/collectors/exchange"
	"github.com/lekwacht/lekwacht/collectors/jsonlog"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/postfix"
	"github.com/lekwacht/lekwacht/collectors/samba"
	"github.com/lekwacht/lekwacht/collectors/snare"
	"github.com/lekwacht/lekwacht/collectors/squid"
	"github.com/lekwacht/lekwacht/collectors/sshd"
	"github.com/lekwacht/lekwacht/collectors/winlog"
	"github.com/lekwacht/lekwacht/collectors/winxml"
	"github.com/lekwacht/lekwacht/config"
)

// Format is one log format lekwacht reads.
type Format struct {
	Name string
	New  func(parse.Options) (parse.Parser, error)
	Doc  string
}

// formats is the one place where formats are registered.
var formats = []Format{
	{postfix.Name, postfix.New, "Postfix via syslog (RFC 3164/5424/3339), joined over the queue id"},
	{exchange.Name, exchange.New, "Exchange message tracking logs (MSGTRK*.LOG)"},
	{samba.Name, samba.New, "Samba vfs_full_audit via syslog"},
	{winlog.Name, winlog.New, "Windows Security events as Winlogbeat/Elastic Agent JSON lines"},
	{winxml.Name, winxml.New, "Windows Security events as single-line event XML"},
	{snare.Name, snare.New, "Windows Security events as Snare/NXLog MSWinEventLog syslog"},
	{sshd.Name, sshd.New, "OpenSSH sshd in auth.log/secure"},
	{jsonlog.Name, jsonlog.New, "any JSON-lines log (application audit, DLP, proxy or mail export), fields named by a mapping"},
	{combined.Name, combined.New, "nginx/Apache combined access logs"},
	{squid.Name, squid.New, "Squid forward proxy native access.log"},
	{csvlog.Name, csvlog.New, "any CSV export with a header line (DLP, proxy, mail, application), columns named by a mapping"},
}

// Formats returns the registered formats, sorted by name.
func Formats() []Format {
	out := append([]Format(nil), formats...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a format by name.
func Lookup(name string) (Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Names lists the format names.
func Names() []string {
	var out []string
	for _, f := range Formats() {
		out = append(out, f.Name)
	}
	return out
}

// NewParser builds the parser of a format.
func NewParser(name string, opts parse.Options) (parse.Parser, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown format %q (known: %v)", name, Names())
	}
	return f.New(opts)
}

// mappingFormats are the formats read by a mapping, with its validation.
var mappingFormats = map[string]func(*parse.Mapping) error{jsonlog.Name: jsonlog.Validate, csvlog.Name: csvlog.Validate}

// CheckInput is the config.InputCheck of the collectors: the format exists and its parser can be
// built with the input's settings (mapping, prefix).
func CheckInput(in config.Input) []config.Problem {
	f, ok := Lookup(in.Format)
	if !ok {
		return []config.Problem{{Key: "format", Msg: fmt.Sprintf("unknown format %q%s (formats: %s)", in.Format, config.DidYouMean(in.Format, Names()), strings.Join(Names(), ", "))}}
	}
	validate, mapped := mappingFormats[in.Format]
	if mapped && in.Mapping == nil {
		return []config.Problem{{Key: "format", Msg: fmt.Sprintf("format %s needs a mapping: block naming the time, user and action fields", in.Format)}}
	}
	if !mapped && in.Mapping != nil {
		return []config.Problem{{Key: "mapping", Msg: "mapping is only read by formats json and csv"}}
	}
	if in.Mapping != nil {
		if err := validate(in.Mapping); err != nil {
			return mappingProblems(err)
		}
	}
	if _, err := f.New(parse.Options{Input: in.Name, Mapping: in.Mapping, Prefix: in.Prefix}); err != nil {
		key := "format"
		if in.Prefix != "" {
			key = "prefix"
		}
		return []config.Problem{{Key: key, Msg: err.Error()}}
	}
	return nil
}

// mappingProblems makes one problem of each line of a mapping's errors ("mapping.fields.x: ..."),
// keyed by the mapping key it names so that its line in the config is found.
func mappingProblems(err error) []config.Problem {
	var ps []config.Problem
	for _, line := range strings.Split(err.Error(), "\n") {
		key, msg, ok := strings.Cut(line, ": ")
		if !ok || !strings.HasPrefix(key, "mapping") || strings.ContainsAny(key, " \"") {
			key, msg = "mapping", line
		}
		ps = append(ps, config.Problem{Key: key, Msg: msg})
	}
	return ps
}
