// Package parse holds what every log format shares: the Parser interface, the line it reads, the
// options it is built with, and the Reject error that says why a line could not be read.
package parse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/event"
)

// Line is one line of a log file as the tailer or a file reader hands it over, without its newline.
type Line struct {
	Text      []byte
	Input     string // the configured input name
	Path      string // the file it was read from
	Offset    int64  // byte offset of the line's first byte in that file
	Number    int64  // 1-based line number when known (whole-file reads), else 0
	Truncated bool   // the line was longer than the maximum and was cut
}

// Parser turns the lines of one format into events. Parse returns the events a line completes: none
// for a line that only carries state (a Postfix qmgr line) or is known noise (postscreen), and a
// *Reject error for a line that cannot be read. A parser is used by one goroutine at a time.
type Parser interface {
	Parse(line Line) ([]event.Event, error)
}

// Flusher is implemented by parsers that join several lines into one event (Postfix): Flush returns
// what is still pending at the end of the input.
type Flusher interface {
	Flush() []event.Event
}

// Options configure a parser. Zero values are sensible defaults.
type Options struct {
	Input string // the input name, copied into every event's log.input

	// Location is the zone of timestamps that carry none (RFC 3164 syslog). Default: time.Local.
	Location *time.Location
	// Reference is "now" for inferring the year of year-less timestamps: the clock when tailing,
	// the file's modification time on replay. Default: time.Now.
	Reference func() time.Time

	// MaxPending bounds cross-line state, such as Postfix messages waiting for their delivery
	// lines. Default 100000.
	MaxPending int

	// Prefix is Samba's full_audit:prefix as configured in smb.conf, e.g. "%u|%I|%m|%S".
	// Empty: detected from the line.
	Prefix string

	// Mapping tells the json and csv formats where their fields are.
	Mapping *Mapping
}

// Loc returns the configured location or time.Local.
func (o Options) Loc() *time.Location {
	if o.Location == nil {
		return time.Local
	}
	return o.Location
}

// Now returns the reference time.
func (o Options) Now() time.Time {
	if o.Reference == nil {
		return time.Now()
	}
	return o.Reference()
}

// Pending returns MaxPending or its default.
func (o Options) Pending() int {
	if o.MaxPending <= 0 {
		return 100000
	}
	return o.MaxPending
}

// Mapping names where the json format (dotted paths) and the csv format (column names) find each
// field of an event.
type Mapping struct {
	Time        string `mapstructure:"time" yaml:"time" json:"time,omitempty"`
	TimeFormat  string `mapstructure:"time_format" yaml:"time_format" json:"time_format,omitempty"` // Go layout; default RFC 3339 or epoch s/ms
	User        string `mapstructure:"user" yaml:"user" json:"user,omitempty"`
	Action      string `mapstructure:"action" yaml:"action" json:"action,omitempty"`
	Host        string `mapstructure:"host" yaml:"host" json:"host,omitempty"`
	Workstation string `mapstructure:"workstation" yaml:"workstation" json:"workstation,omitempty"`
	SourceIP    string `mapstructure:"source_ip" yaml:"source_ip" json:"source_ip,omitempty"`
	Object      string `mapstructure:"object" yaml:"object" json:"object,omitempty"`
	Count       string `mapstructure:"count" yaml:"count" json:"count,omitempty"`
	Outcome     string `mapstructure:"outcome" yaml:"outcome" json:"outcome,omitempty"`
	App         string `mapstructure:"app" yaml:"app" json:"app,omitempty"` // field naming the application; else the input name
	// Actions maps an action class (view, export, delete, login, ...) to the application's own
	// action strings.
	Actions map[string][]string `mapstructure:"actions" yaml:"actions" json:"actions,omitempty"`

	// DefaultAction is the action of lines whose action string is in no class of Actions, or that
	// have none (an export of file copies): a class or an event action. Empty: other.
	DefaultAction string `mapstructure:"default_action" yaml:"default_action" json:"default_action,omitempty"`
	// Category is the event category of every line (file, device, email, web, authentication,
	// application), or of the lines whose CategoryField value means none. Empty: application, or
	// what the action implies (login: authentication, attach: device, ...).
	Category string `mapstructure:"category" yaml:"category" json:"category,omitempty"`
	// CategoryField is the path of a value naming the category; Categories maps a category to the
	// values that mean it (* matches any text). A value that is a category's own name means it too.
	CategoryField string              `mapstructure:"category_field" yaml:"category_field" json:"category_field,omitempty"`
	Categories    map[string][]string `mapstructure:"categories" yaml:"categories" json:"categories,omitempty"`
	// Fields maps event fields by their dotted name (file.path, email.to, destination.domain, ...)
	// to the path or column of their value.
	Fields FieldMap `mapstructure:"fields" yaml:"fields" json:"fields,omitempty"`
}

// FieldMap maps dotted event field names to paths. Written flat (`file.path: bestand`) or nested
// (`file: {path: bestand}`), it is read flat: the config loader nests dotted keys.
type FieldMap map[string]string

// UnmarshalMapstructure reads a flat or nested map (the config).
func (f *FieldMap) UnmarshalMapstructure(v any) error { return f.flatten(v) }

// UnmarshalYAML reads a flat or nested map (a mapping file, a rule test).
func (f *FieldMap) UnmarshalYAML(unmarshal func(any) error) error {
	var v map[string]any
	if err := unmarshal(&v); err != nil {
		return err
	}
	return f.flatten(v)
}

func (f *FieldMap) flatten(v any) error {
	out := FieldMap{}
	var walk func(prefix string, v any) error
	walk = func(prefix string, v any) error {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				if err := walk(join(prefix, k), sub); err != nil {
					return err
				}
			}
		case map[any]any:
			for k, sub := range x {
				if err := walk(join(prefix, fmt.Sprint(k)), sub); err != nil {
					return err
				}
			}
		case string, int, int64, uint64, float64:
			if prefix == "" {
				return fmt.Errorf("fields: want a map of event fields to paths, e.g. {file.path: bestand}")
			}
			out[prefix] = fmt.Sprint(x)
		case nil:
			if prefix != "" {
				out[prefix] = ""
			}
		default:
			return fmt.Errorf("fields.%s: want the path or column of the value, not a list or map", prefix)
		}
		return nil
	}
	if err := walk("", v); err != nil {
		return err
	}
	*f = out
	return nil
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// Reason is why a line was rejected; rejects are counted per input and reason.
type Reason string

// The reasons. Formats may add their own, lowercase with underscores.
const (
	ReasonInvalidUTF8 Reason = "invalid_utf8"
	ReasonBinary      Reason = "binary"        // NUL bytes or other control characters
	ReasonTooLong     Reason = "line_too_long" // cut at the maximum line length
	ReasonSyntax      Reason = "syntax"        // not a line of this format
	ReasonJSON        Reason = "bad_json"
	ReasonColumns     Reason = "column_count"
	ReasonTimestamp   Reason = "bad_timestamp"
	ReasonMissing     Reason = "missing_field"
	ReasonUnsupported Reason = "unsupported_event" // a valid line of an event kind lekwacht does not read
	ReasonNoHeader    Reason = "no_header"         // CSV row before any #Fields: line
)

// Reject is the error a parser returns for a line it cannot read. Detail must not repeat personal
// data from the line: the line itself is kept aside next to the reason.
type Reject struct {
	Reason Reason
	Detail string
}

func (r *Reject) Error() string {
	if r.Detail == "" {
		return string(r.Reason)
	}
	return string(r.Reason) + ": " + r.Detail
}

// Rejectf builds a *Reject.
func Rejectf(reason Reason, format string, args ...any) error {
	if len(args) == 0 && strings.IndexByte(format, '%') < 0 {
		return &Reject{Reason: reason, Detail: format} // what Sprintf would make of it, without its cost
	}
	return &Reject{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the reason of a *Reject in err's chain, or ReasonSyntax for any other error.
func ReasonOf(err error) Reason {
	var r *Reject
	if errors.As(err, &r) {
		return r.Reason
	}
	return ReasonSyntax
}

// Check is the test every line passes before its parser sees it: not truncated, no NUL byte, not
// mostly control characters, valid UTF-8. A stray control byte inside a text line is allowed: real
// Windows renderings carry \x01 for empty attributes.
func Check(l Line) error {
	if l.Truncated {
		return &Reject{Reason: ReasonTooLong, Detail: fmt.Sprintf("line cut at %d bytes", len(l.Text))}
	}
	if i := bytes.IndexByte(l.Text, 0); i >= 0 {
		return &Reject{Reason: ReasonBinary, Detail: fmt.Sprintf("NUL byte at column %d", i+1)}
	}
	controls := controlBytes(l.Text)
	if controls > 0 && controls*10 > len(l.Text) {
		return &Reject{Reason: ReasonBinary, Detail: fmt.Sprintf("%d control bytes in %d", controls, len(l.Text))}
	}
	if !utf8.Valid(l.Text) {
		return &Reject{Reason: ReasonInvalidUTF8, Detail: fmt.Sprintf("invalid UTF-8 at column %d", invalidAt(l.Text)+1)}
	}
	return nil
}

// controlBytes counts the bytes below 0x20 other than tab, CR and form feed. It looks at eight
// bytes at a time and counts one by one only in the words that have a byte below 0x20.
func controlBytes(b []byte) int {
	const highs, below = 0x8080808080808080, 0x20 * 0x0101010101010101
	n := 0
	for len(b) >= 8 {
		// A byte below 0x20 sets the high bit of its lane in (x - 0x20..) &^ x (the first such lane
		// for certain, later ones maybe): zero means none.
		if x := binary.LittleEndian.Uint64(b); (x-below)&^x&highs != 0 {
			n += controlsIn(b[:8])
		}
		b = b[8:]
	}
	return n + controlsIn(b)
}

func controlsIn(b []byte) int {
	n := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\f' {
			n++
		}
	}
	return n
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// Stamp fills the log group of ev from the line.
func Stamp(ev *event.Event, l Line, dataset string) { StampText(ev, l, string(l.Text), dataset) }

// StampText is Stamp for a parser that already copied the line into a string, text (string(l.Text)),
// whose parts its event holds: log.original is that string, not another copy.
func StampText(ev *event.Event, l Line, text, dataset string) {
	ev.Log = event.Log{Input: l.Input, Path: l.Path, Offset: l.Offset, Line: l.Number, Original: text}
	if ev.Event.Dataset == "" {
		ev.Event.Dataset = dataset
	}
	if ev.Event.Outcome == "" {
		ev.Event.Outcome = event.OutcomeUnknown
	}
}
