package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lekwacht.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The shipped example must always load: samples never rot.
func TestExampleLoads(t *testing.T) {
	c, err := Load("../deploy/lekwacht.example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Inputs) != 9 || c.Inputs[8].Mapping.Fields["file.path"] != "bestand" || c.Inputs[1].Poll != 5*time.Second || c.Inputs[6].Mapping.Count != "result.count" ||
		len(c.Inputs[6].Mapping.Actions["export"]) != 2 || c.Organisation.Domains[0] != "voorbeeld.nl" ||
		len(c.Watch) != 1 || c.Watch[0].Share != "exports" || c.Watch[0].Input != "shares" {
		t.Fatalf("example decoded wrong: %+v", c)
	}
}

func TestDefaultWhenNoFile(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Register.Dir != "./lekwacht-data" || c.File != "" || c.HTTP.Listen != "127.0.0.1:8470" {
		t.Fatalf("default: %+v", c)
	}
}

func TestUnknownKeyHasLine(t *testing.T) {
	p := write(t, "organisation:\n  timezone: Europe/Amsterdam\n  domians: [x.nl]\nregister: {dir: /tmp/x}\n")
	_, err := Load(p, nil)
	if err == nil || !strings.Contains(err.Error(), p+":3:3: organisation.domians: unknown key") {
		t.Fatalf("got %v", err)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	p := write(t, `organisation:
  timezone: Mars/Olympus
  working_hours: "Mon-Fri 19:00-07:00"
  domains: ["@voorbeeld.nl"]
inputs:
  - name: mail
    format: postfix
    paths: []
  - name: mail
    format: nope
    paths: ["/var/log/[x"]
`)
	check := func(in Input) []Problem {
		if in.Format != "postfix" {
			return []Problem{{Key: "format", Msg: "unknown format"}}
		}
		return nil
	}
	_, err := Load(p, check)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		p + ":2:13: organisation.timezone:",
		p + ":3:18: organisation.working_hours:",
		p + ":4:12: organisation.domains:",
		p + ":8:12: inputs.0 (mail).paths: no paths",
		p + ":9:11: inputs.1 (mail).name: duplicate input name",
		p + ":10:13: inputs.1 (mail).format: unknown format",
		"bad glob",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestTypeErrorHasLine(t *testing.T) {
	p := write(t, "organisation: {timezone: UTC}\ninputs:\n  - name: a\n    format: sshd\n    paths: [/x]\n    poll: often\n")
	_, err := Load(p, nil)
	if err == nil || !strings.Contains(err.Error(), p+":6:11") {
		t.Fatalf("got %v", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	p := write(t, "register: {dir: /from/file}\nelasticsearch: {api_key: secret}\n")
	t.Setenv("LEKWACHT_REGISTER_DIR", "/from/env")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Register.Dir != "/from/env" {
		t.Errorf("register.dir = %q, want the environment's", c.Register.Dir)
	}
	if m := c.Masked(); m.Elasticsearch.APIKey != "********" || c.Elasticsearch.APIKey != "secret" {
		t.Errorf("masking: %q / %q", m.Elasticsearch.APIKey, c.Elasticsearch.APIKey)
	}
}

func TestWorkingHours(t *testing.T) {
	wh, err := ParseWorkingHours("Mon-Fri 07:00-19:00")
	if err != nil {
		t.Fatal(err)
	}
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	for _, c := range []struct {
		t  time.Time
		in bool
	}{
		{time.Date(2026, 11, 23, 7, 0, 0, 0, ams), true},   // Monday
		{time.Date(2026, 11, 23, 19, 0, 0, 0, ams), false}, // end is exclusive
		{time.Date(2026, 11, 22, 12, 0, 0, 0, ams), false}, // Sunday
	} {
		if wh.Contains(c.t) != c.in {
			t.Errorf("%v: got %v", c.t, !c.in)
		}
	}
	if _, err := ParseWorkingHours("Fri-Mon 08:00-17:00"); err != nil {
		t.Errorf("wrapping day range: %v", err)
	}
	if _, err := ParseWorkingHours("Mon-Xyz 08:00-17:00"); err == nil {
		t.Error("bad day accepted")
	}
}

func TestHooks(t *testing.T) {
	p := write(t, `organisation: {timezone: UTC}
hooks:
  - name: idm
    min_severity: critical
    detectors: [shared_credentials]
    webhook: {url: "https://idm.voorbeeld.local/lekwacht", secret_file: /etc/lekwacht/hook.secret}
    timeout: 10s
  - name: blokkeer
    command: [/usr/local/sbin/blokkeer, "{user}"]
`)
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hooks) != 2 || c.Hooks[0].Timeout.Seconds() != 10 || c.Hooks[0].Webhook.URL == "" || c.Hooks[1].Command[1] != "{user}" {
		t.Fatalf("%+v", c.Hooks)
	}
	p = write(t, `organisation: {timezone: UTC}
hooks:
  - name: idm
    min_severity: urgent
    detectors: [snooping]
    webhook: {url: "ftp://x"}
  - name: idm
  - name: c
    command: [blokkeer]
`)
	_, err = Load(p, nil)
	for _, want := range []string{`hooks.0 (idm).min_severity: "urgent" (want low`, `hooks.0 (idm).detectors: "snooping" is no detector`,
		"hooks.0 (idm).webhook.url", "hooks.0 (idm).webhook.secret_file", "hooks.1 (idm).name", "hooks.1 (idm): give a webhook", "hooks.2 (c).command"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestElasticsearchAndInstance(t *testing.T) {
	p := write(t, `organisation: {timezone: UTC}
register: {dir: /tmp/x, instance: "ls-01"}
elasticsearch: {addresses: ["es1:9200"], api_key: k, username: u}
kibana: {url: "kibana"}
`)
	_, err := Load(p, nil)
	for _, want := range []string{"register.instance", "elasticsearch.addresses.0", "elasticsearch.api_key", "elasticsearch.username", "kibana.url"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	p = write(t, "organisation: {timezone: UTC}\nregister: {dir: /tmp/x, instance: ls01}\nelasticsearch: {addresses: [\"https://es1:9200\"], api_key: k}\n")
	if c, err := Load(p, nil); err != nil || c.Register.Instance != "ls01" {
		t.Fatalf("%v", err)
	}
}

// A watch folder's share, input and share_path: each mistake named by its key and line.
func TestWatchShare(t *testing.T) {
	p := write(t, `organisation: {timezone: Europe/Amsterdam}
register: {dir: /tmp/x}
inputs:
  - {name: shares, format: samba-audit, paths: [/a]}
  - {name: windows, format: winlog-json, paths: [/b]}
  - {name: mail, format: postfix, paths: [/c]}
watch:
  - {path: /srv/a, share: a, input: shares}
  - {path: /srv/b, share: b, input: shraes}
  - {path: /srv/c, share: c, input: mail}
  - {path: /srv/d, share: d, input: windows}
  - {path: /srv/e, input: shares}
  - {path: /srv/f, share: 'ex/ports', share_path: exports}
  - {path: /srv/g, share: '\\*\g', input: windows, share_path: 'D:\Shares\G'}
`)
	_, err := Load(p, nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		p + ":9:37: watch.1.input: \"shraes\" is no configured input: did you mean \"shares\"? (inputs: shares, windows, mail)",
		p + ":10:37: watch.2.input: \"mail\" reads postfix, whose lines name no share",
		p + ":11:5: watch.3.share_path: required with the Windows input \"windows\"",
		p + ":12:5: watch.4.share: empty",
		p + ":13:27: watch.5.share: ",
		p + ":13:51: watch.5.share_path: \"exports\": give the folder as the file server names it",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 6 {
		t.Errorf("%d problems, want 6:\n%v", n, err)
	}
}

// TestKibanaTriageAndPublicURL: kibana.triage is off, alerts or cases, needs kibana.url and
// Elasticsearch; kibana.poll at least 1s; http.public_url an http(s) URL without query.
func TestKibanaTriageAndPublicURL(t *testing.T) {
	p := write(t, `organisation: {timezone: UTC}
register: {dir: /tmp/x}
kibana: {triage: sometimes, poll: 10ms}
http: {public_url: "lekwacht.local?x=1"}
`)
	_, err := Load(p, nil)
	for _, want := range []string{"kibana.triage", "sometimes", "kibana.poll", "http.public_url"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	p = write(t, "organisation: {timezone: UTC}\nregister: {dir: /tmp/x}\nkibana: {triage: alerts}\n")
	if _, err := Load(p, nil); err == nil || !strings.Contains(err.Error(), "needs kibana.url") || !strings.Contains(err.Error(), "needs elasticsearch.addresses") {
		t.Errorf("alerts without Kibana and Elasticsearch: %v", err)
	}
	p = write(t, `organisation: {timezone: UTC}
register: {dir: /tmp/x}
elasticsearch: {addresses: ["https://es1:9200"], api_key: k}
kibana: {url: "https://kibana:5601", triage: alerts, poll: 30s}
http: {public_url: "https://lekwacht.voorbeeld.local:8470"}
`)
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kibana.Triage != TriageAlerts || c.Kibana.PollEvery() != 30*time.Second || c.HTTP.PublicURL != "https://lekwacht.voorbeeld.local:8470" {
		t.Errorf("%+v %+v", c.Kibana, c.HTTP)
	}
	p = write(t, "organisation: {timezone: UTC}\nregister: {dir: /tmp/x}\nelasticsearch: {addresses: [\"https://es1:9200\"]}\nkibana: {url: \"https://k:5601\", triage: cases}\n")
	if _, err := Load(p, nil); err != nil {
		t.Errorf("cases: %v", err)
	}
	if (Kibana{}).PollEvery() != DefaultKibanaPoll || Triage("").On() {
		t.Error("defaults: poll 1m, triage off")
	}
}
