package esindex

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// securityRuleName is the name of the detection rule in Security's rule list.
const securityRuleName = "lekwacht incident"

// SecurityRuleID is the rule_id of the detection rule for an index prefix (one rule per alias).
func SecurityRuleID(prefix string) string { return AliasFor(prefix) + "-to-alerts" }

// Severity mapping of the rule: lekwacht.severity as is (the enum of the rule schema's Severity).
var ruleSeverities = []string{"low", "medium", "high", "critical"}

// SecurityRule is the Elastic Security detection rule (a custom query rule, Detection Engine API,
// Kibana's rule_schemas.schema.yaml QueryRuleCreateProps) that turns each lekwacht incident into
// one alert: it finds documents of the alias by event.created (timestamp_override; the time the
// incident was discovered, which no later change of the incident moves), so an incident is in the
// window of one run of the rule, not again after each triage; severity from lekwacht.severity,
// risk score from event.severity (21/47/73/99), the alert named after the lekwacht rule.
func SecurityRule(prefix string) map[string]any {
	var sev []map[string]any
	for _, s := range ruleSeverities {
		sev = append(sev, map[string]any{"field": "lekwacht.severity", "operator": "equals", "value": s, "severity": s})
	}
	return map[string]any{
		"rule_id":     SecurityRuleID(prefix),
		"name":        securityRuleName,
		"description": "An incident of lekwacht (insider data leak detection on audit logs): one alert per incident, when it is discovered. Triage it in lekwacht (incidents triage, or the FG's page): its status there is the register's.",
		"type":        "query",
		"language":    "kuery",
		"query":       `event.kind : "alert" and event.module : "lekwacht"`,
		"index":       []string{AliasFor(prefix)},
		"enabled":     true,
		"interval":    "5m",
		"from":        "now-6m",
		"to":          "now",
		// event.created is the incident's discovered_at; the fallback to @timestamp (its last
		// change) would make every change a new alert, so it is off.
		"timestamp_override":                   "event.created",
		"timestamp_override_fallback_disabled": true,
		"severity":                             "medium",
		"severity_mapping":                     sev,
		"risk_score":                           47,
		"risk_score_mapping":                   []map[string]any{{"field": "event.severity", "operator": "equals", "value": ""}},
		"rule_name_override":                   "rule.name",
		"max_signals":                          1000,
		"tags":                                 []string{"lekwacht", "Data leak", "Insider"},
		"author":                               []string{"lekwacht"},
		"false_positives":                      []string{"Work that looks like a leak: lekwacht's triage (dismiss with a reason) decides, not this alert."},
		"references":                           []string{},
		"threat":                               []any{},
		"note":                                 "## Triage\nThe incident's id is lekwacht.id; lekwacht.status, lekwacht.deadline (72 hours after discovery) and lekwacht.data_categories say where it stands. Open or dismiss it in lekwacht; the FG assesses it there.",
		"version":                              1,
	}
}

// installRule creates the rule, or updates it when a rule with its rule_id exists (GET by rule_id,
// then POST or PUT /api/detection_engine/rules).
func installRule(ctx context.Context, kc *kibanaClient, prefix string, out io.Writer) error {
	rule := SecurityRule(prefix)
	id := SecurityRuleID(prefix)
	st, _, err := kc.do(ctx, http.MethodGet, "/api/detection_engine/rules?rule_id="+id, nil, http.StatusNotFound)
	if err != nil {
		return err
	}
	method, did := http.MethodPost, "created"
	if st == http.StatusOK {
		method, did = http.MethodPut, "updated"
	}
	_, body, err := kc.do(ctx, method, "/api/detection_engine/rules", rule)
	if err != nil {
		return err
	}
	var r struct {
		ID     string `json:"id"`
		RuleID string `json:"rule_id"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.RuleID != id {
		return fmt.Errorf("kibana %s /api/detection_engine/rules: unreadable answer: %s", method, truncate(body))
	}
	fmt.Fprintf(out, "security rule %q (%s): %s, on %s\n", securityRuleName, id, did, AliasFor(prefix))
	return nil
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// securityDefaultIndex is the advanced setting of Security's data view, and its default value when
// unset (Kibana's security_solution common/constants.ts DEFAULT_INDEX_PATTERN, 8.x).
const securityDefaultIndex = "securitySolution:defaultIndex"

var securityDefaultIndexValue = []string{"apm-*-transaction*", "auditbeat-*", "endgame-*", "filebeat-*", "logs-*",
	"packetbeat-*", "traces-apm*", "winlogbeat-*", "-*elastic-cloud-logs-*"}

// addSecurityIndex adds alias to the space's securitySolution:defaultIndex, keeping what is there
// (its default when never set). Security's default data view follows the setting.
func addSecurityIndex(ctx context.Context, kc *kibanaClient, alias string, out io.Writer) error {
	_, body, err := kc.do(ctx, http.MethodGet, "/api/kibana/settings", nil)
	if err != nil {
		return err
	}
	var s struct {
		Settings map[string]struct {
			UserValue []string `json:"userValue"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("kibana GET /api/kibana/settings: %w", err)
	}
	current := securityDefaultIndexValue
	if v, ok := s.Settings[securityDefaultIndex]; ok && v.UserValue != nil {
		current = v.UserValue
	}
	if slices.Contains(current, alias) {
		fmt.Fprintf(out, "kibana: %s already has %s\n", securityDefaultIndex, alias)
		return nil
	}
	next := append(slices.Clone(current), alias)
	if _, _, err := kc.do(ctx, http.MethodPost, "/api/kibana/settings", map[string]any{"changes": map[string]any{securityDefaultIndex: next}}); err != nil {
		return err
	}
	fmt.Fprintf(out, "kibana: %s: added %s (Security's data view shows the incidents)\n", securityDefaultIndex, alias)
	return nil
}
