package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// peer is a log tool run on the same file as lekwacht.
type peer interface {
	name() string
	version() string
	// command writes the peer's config into dir and returns the command that reads in, parses what
	// k says and writes one JSON line per input line to out.
	command(dir string, k kind, in, out string) (*exec.Cmd, error)
}

// rsyslog: imfile; mmnormalize (liblognorm) for the syslog envelope, mmjsonparse for JSON; omfile
// with the parsed tree as JSON.
type rsyslog struct{ root string }

func (rsyslog) name() string { return "rsyslog" }

func (r rsyslog) bin() string { return filepath.Join(r.root, "/usr/sbin/rsyslogd") }

func (r rsyslog) version() string { return firstLine(exec.Command(r.bin(), "-v")) }

// envelopeRules are liblognorm rules for the syslog headers the formats' lines carry: RFC 3164 with
// and without PRI, RFC 5424, an ISO timestamp.
const envelopeRules = `version=2
rule=:%date:date-rfc3164% %host:word% %tag:char-to{"extradata":":"}%: %msg:rest%
rule=:<%pri:number%>%date:date-rfc3164% %host:word% %tag:char-to{"extradata":":"}%: %msg:rest%
rule=:<%pri:number%>%date:date-rfc3164% %host:word% %msg:rest%
rule=:<%pri:number%>1 %date:date-rfc5424% %host:word% %app:word% %procid:word% %msgid:word% %sd:word% %msg:rest%
rule=:%date:date-rfc5424% %host:word% %tag:char-to{"extradata":":"}%: %msg:rest%
`

func (r rsyslog) command(dir string, k kind, in, out string) (*exec.Cmd, error) {
	var parse string
	switch k {
	case kindSyslog:
		rules := filepath.Join(dir, "envelope.rb")
		if err := os.WriteFile(rules, []byte(envelopeRules), 0o644); err != nil {
			return nil, err
		}
		parse = fmt.Sprintf(`module(load="mmnormalize")
ruleset(name="bench") {
  action(type="mmnormalize" rulebase=%q useRawMsg="on")
  action(type="omfile" file=%q template="json")
}`, rules, out)
	case kindJSON:
		parse = fmt.Sprintf(`module(load="mmjsonparse")
ruleset(name="bench") {
  action(type="mmjsonparse" cookie="" useRawMsg="on")
  action(type="omfile" file=%q template="json")
}`, out)
	default:
		parse = fmt.Sprintf(`template(name="line" type="list" option.jsonf="on") { property(outname="message" name="rawmsg" format="jsonf") }
ruleset(name="bench") { action(type="omfile" file=%q template="line") }`, out)
	}
	conf := fmt.Sprintf(`global(workDirectory=%q maxMessageSize="1m")
module(load="imfile")
template(name="json" type="string" string="%%$!all-json%%\n")
%s
input(type="imfile" file=%q tag="bench" ruleset="bench")
`, dir, parse, in)
	path := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-n", "-f", path, "-i", filepath.Join(dir, "rsyslogd.pid")}
	if r.root != "" {
		mods, _ := filepath.Glob(filepath.Join(r.root, "usr/lib/*/rsyslog"))
		if len(mods) == 0 {
			return nil, fmt.Errorf("no rsyslog modules under %s", r.root)
		}
		args = append(args, "-M", mods[0])
	}
	return pinned(r.bin(), args...), nil
}

// syslogNG: a file source (its syslog parser for the envelope, no-parse otherwise), json-parser for
// JSON; a file destination with format-json.
type syslogNG struct{ root string }

func (syslogNG) name() string { return "syslog-ng" }

func (s syslogNG) bin() string { return filepath.Join(s.root, "/usr/sbin/syslog-ng") }

func (s syslogNG) version() string {
	cmd := exec.Command(s.bin(), "--version")
	cmd.Env = s.env()
	return firstLine(cmd)
}

func (s syslogNG) env() []string {
	if s.root == "" {
		return os.Environ()
	}
	return append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(s.root, "usr/lib/syslog-ng"))
}

func (s syslogNG) command(dir string, k kind, in, out string) (*exec.Cmd, error) {
	flags, parser, tmpl := "", "", `$(format-json --scope rfc3164 --key ISODATE --exclude DATE)`
	switch k {
	case kindJSON:
		flags = " flags(no-parse)"
		parser = `parser p { json-parser(prefix(".json.")); };`
		tmpl = `$(format-json --key .json.* --rekey .json.* --shift 6)`
	case kindLine:
		flags = " flags(no-parse)"
		tmpl = `$(format-json message=$MESSAGE)`
	}
	log := "log { source(s); destination(d); };"
	if parser != "" {
		log = "log { source(s); parser(p); destination(d); };"
	}
	conf := fmt.Sprintf(`@version: 3.38
options { keep-hostname(yes); log-msg-size(1048576); stats-freq(0); };
source s { file(%q follow-freq(0.05)%s log-fetch-limit(1000) log-iw-size(10000)); };
%s
destination d { file(%q template("%s\n")); };
%s
`, in, flags, parser, out, tmpl, log)
	path := filepath.Join(dir, "syslog-ng.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-F", "--no-caps", "-f", path, "-R", filepath.Join(dir, "persist"),
		"-p", filepath.Join(dir, "syslog-ng.pid"), "-c", filepath.Join(dir, "ctl")}
	if s.root != "" {
		mods, _ := filepath.Glob(filepath.Join(s.root, "usr/lib/syslog-ng/[0-9]*"))
		if len(mods) == 0 {
			return nil, fmt.Errorf("no syslog-ng modules under %s", s.root)
		}
		args = append(args, "--module-path", mods[0])
	}
	cmd := pinned(s.bin(), args...)
	cmd.Env = s.env()
	return cmd, nil
}

func firstLine(cmd *exec.Cmd) string {
	out, err := cmd.CombinedOutput()
	if err != nil && len(out) == 0 {
		return "not found: " + err.Error()
	}
	l, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return l
}
