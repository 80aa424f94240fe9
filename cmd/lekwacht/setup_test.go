package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetupUsage: a missing target, an unknown one, or a config without the service is a usage
// error (exit 2), before anything is sent anywhere.
func TestSetupUsage(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "lekwacht.yaml")
	os.WriteFile(cfg, []byte("organisation: {timezone: Europe/Amsterdam}\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"setup"}, "setup elasticsearch or setup kibana"},
		{[]string{"setup", "grafana"}, `setup "grafana"`},
		{[]string{"setup", "elasticsearch", "--config", cfg}, "elasticsearch.addresses is empty"},
		{[]string{"setup", "kibana", "--config", cfg}, "kibana.url is empty"},
		{[]string{"setup", "kibana", "extra", "--config", cfg}, "takes no arguments"},
	} {
		_, e, code := run(t, "", c.args...)
		if code != 2 || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and %q", c.args, code, e, c.want)
		}
	}
}

// TestSetupPrintRole: --print-role needs no cluster: the two roles as JSON, with the config's prefix.
func TestSetupPrintRole(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "lekwacht.yaml")
	os.WriteFile(cfg, []byte("organisation: {timezone: Europe/Amsterdam}\nelasticsearch: {index_prefix: gemeente}\n"), 0o600)
	o, e, code := run(t, "", "setup", "elasticsearch", "--print-role", "--space", "triage", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var roles map[string]json.RawMessage
	if err := json.Unmarshal([]byte(o), &roles); err != nil || roles["lekwacht-setup"] == nil || roles["lekwacht-daemon"] == nil {
		t.Fatalf("%v\n%s", err, o)
	}
	for _, w := range []string{`"gemeente-incidents-*"`, `"space:triage"`, `"manage_index_templates"`} {
		if !strings.Contains(o, w) {
			t.Errorf("lacks %s:\n%s", w, o)
		}
	}
}

// TestSetupKibanaPrintRole: setup kibana --print-role needs no Kibana: the alert sync's role in the
// space, reading the space's alerts and setting their status.
func TestSetupKibanaPrintRole(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "lekwacht.yaml")
	os.WriteFile(cfg, []byte("organisation: {timezone: Europe/Amsterdam}\n"), 0o600)
	o, e, code := run(t, "", "setup", "kibana", "--print-role", "--space", "triage", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var roles map[string]json.RawMessage
	if err := json.Unmarshal([]byte(o), &roles); err != nil || roles["lekwacht-kibana-sync"] == nil {
		t.Fatalf("%v\n%s", err, o)
	}
	if roles["lekwacht-kibana-cases"] == nil {
		t.Errorf("no role for kibana.triage cases:\n%s", o)
	}
	for _, w := range []string{`".alerts-security.alerts-triage"`, `"space:triage"`, `"feature_siem.read"`, `"write"`, `"maintenance"`, `"feature_securitySolutionCases.all"`} {
		if !strings.Contains(o, w) {
			t.Errorf("lacks %s:\n%s", w, o)
		}
	}
}
