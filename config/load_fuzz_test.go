package config

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// fuzzCheck stands in for the collectors' InputCheck, so problems of an input's own keys are seen.
func fuzzCheck(in Input) []Problem {
	if in.Format == "" {
		return []Problem{{Key: "format", Msg: "no format"}}
	}
	if in.Mapping != nil && in.Mapping.Time == "" {
		return []Problem{{Key: "mapping.time", Msg: "no time field"}}
	}
	return nil
}

// The shapes of a problem: file:line:col, or the file and a dotted key ("inputs.2.paths", "unknown
// key", "'hooks[0].timeout'" from the decoder) or the YAML library's "line N".
var (
	atLine = regexp.MustCompile(`^fuzz\.yaml:(\d+):(\d+): `)
	atKey  = regexp.MustCompile(`^fuzz\.yaml: ('?[a-z_]+([.\[][a-z0-9_\]]+)*'?:? |unknown key |line \d+: )`)
)

// FuzzDecode: decoding a configuration never panics and is quick; every problem names the file and
// a line:col inside it, or a key; a configuration it accepts, written out again (JSON is YAML),
// is accepted again and comes out the same.
func FuzzDecode(f *testing.F) {
	example, err := os.ReadFile("../deploy/lekwacht.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range []string{
		Default, "",
		"organisation:\n  timezone: Europe/Amsterdam\n  domians: [x.nl]\nregister: {dir: /tmp/x}\n",
		"organisation:\n  timezone: Mars/Olympus\n  working_hours: \"Fri-Mon 19:00-07:00\"\n  domains: [\"@voorbeeld.nl\"]\ninputs:\n  - name: mail\n    paths: []\n  - name: mail\n    paths: [\"/var/log/[x\"]\n",
		"organisation: {timezone: UTC}\ninputs:\n  - {name: a, format: sshd, paths: [/x], poll: often, max_line_bytes: -1, timezone: Nowhere}\n",
		"organisation: {timezone: UTC}\nhooks:\n  - name: idm\n    min_severity: critical\n    detectors: [shared_credentials]\n    webhook: {url: \"https://idm.voorbeeld.local/lekwacht\", secret_file: /etc/lekwacht/hook.secret}\n    timeout: 10s\n    max_attempts: 3\n  - name: blokkeer\n    command: [/usr/local/sbin/blokkeer, \"{user}\"]\n",
		"organisation: {timezone: UTC}\nhooks:\n  - {name: idm, min_severity: urgent, detectors: [snooping], webhook: {url: \"ftp://x\"}, timeout: -1s}\n  - name: idm\n  - {name: c, command: [blokkeer]}\n",
		"organisation: {timezone: UTC}\nregister: {dir: /tmp/x, instance: \"ls-01\"}\nelasticsearch: {addresses: [\"es1:9200\"], api_key: k, username: u}\nkibana: {url: \"kibana\"}\nhttp: {listen: x, tls_cert: c}\n",
		"inputs:\n  - name: zaak\n    format: json\n    paths: [/z]\n    mapping: {user: actor.id, actions: {View: [a, b], export: x}}\nwatch: [{path: \"\"}]\n",
		"inputs: &i [{name: a, format: b, paths: [c]}]\nwatch: *i\n",
		"organisation: [x]\nregister: 3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		c, err := decode("fuzz.yaml", data, fuzzCheck)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("decode of %d bytes took %v", len(data), d)
		}
		if err != nil {
			checkProblems(t, data, err)
			return
		}
		if c.File != "fuzz.yaml" {
			t.Fatalf("File = %q", c.File)
		}
		text, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := decode("fuzz.yaml", text, fuzzCheck)
		if err != nil {
			t.Fatalf("an accepted configuration, written out, is not accepted: %v\n%s", err, text)
		}
		if text2, _ := json.Marshal(again); !bytes.Equal(text, text2) {
			t.Fatalf("an accepted configuration changes when written out and read again:\n%s\n%s", text, text2)
		}
	})
}

func checkProblems(t *testing.T, data []byte, err error) {
	t.Helper()
	var node yaml.Node
	syntax := yaml.Unmarshal(data, &node) != nil // the YAML library's message names a line for most
	lines := 1
	for _, sep := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
		lines += bytes.Count(data, []byte(sep))
	}
	for _, e := range leaves(err) {
		msg := e.Error()
		if m := atLine.FindStringSubmatch(msg); m != nil {
			if l, _ := strconv.Atoi(m[1]); l < 1 || l > lines {
				t.Fatalf("problem names line %d of a file of %d lines: %q", l, lines, msg)
			}
			continue
		}
		if atKey.MatchString(msg) || syntax && bytes.HasPrefix([]byte(msg), []byte("fuzz.yaml: ")) {
			continue
		}
		t.Fatalf("problem names neither line:col nor key: %q", msg)
	}
}

// leaves are the single errors of an errors.Join tree.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
