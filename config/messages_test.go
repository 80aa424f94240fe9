package config

import (
	"strings"
	"testing"
	"time"
)

// TestMessagesStandAlone: every problem is written one way, file:line:col, the dotted key with the
// names of inputs and hooks, what is wrong and what to write: values of the wrong type, durations
// without a unit, an empty section under a misspelt key, misspelt values; a duration in
// nanoseconds of a millisecond or more (the config as JSON) is still read.
func TestMessagesStandAlone(t *testing.T) {
	p := write(t, `organisation: {timezone: Europe/Amsterdam}
register: {dir: /tmp/x}
inputs:
  - name: shares
    format: samba-audit
    paths: [/var/log/samba/audit.log]
    poll: 5x
    max_line_bytes: veel
    from_end: misschien
  - name: mail
    format: postfix
    paths: [/var/log/mail.log]
    expect_every: 1
hooks:
  - {name: blok, command: [/bin/true], timeout: 30}
elasticseach: {}
`)
	_, err := Load(p, nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		p + `:7:11: inputs.0 (shares).poll: "5x" is not a duration: write a number and its unit, e.g. 5s, 10m, 1h`,
		p + `:8:21: inputs.0 (shares).max_line_bytes: "veel" is not a whole number`,
		p + `:9:15: inputs.0 (shares).from_end: "misschien": write true or false`,
		p + `:13:19: inputs.1 (mail).expect_every: "1" has no unit: write 1s (or 1m, 1h)`,
		p + `:15:49: hooks.0 (blok).timeout: "30" has no unit: write 30s (or 30m, 30h)`,
		p + `:16:1: elasticseach: unknown key: did you mean "elasticsearch"?`,
	} {
		if !strings.Contains(err.Error(), want+"\n") && !strings.HasSuffix(err.Error(), want) && !strings.Contains(err.Error(), want+" (") {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.ContainsAny(err.Error(), "[]'") {
		t.Errorf("a key written the decoder's way:\n%v", err)
	}

	p = write(t, `organisation: {timezone: Europe/Amsterdam}
register: {dir: /tmp/x}
inputs:
  - {name: shares, format: samba-audit, paths: [/var/log/samba/audit.log], poll: 5000000000, expect_every: 0}
hooks:
  - {name: blok, command: [/bin/true], min_severity: hihg, detectors: [bulk_bsn_exprot]}
`)
	_, err = Load(p, nil)
	for _, want := range []string{
		p + `:6:54: hooks.0 (blok).min_severity: "hihg": did you mean "high"? (want low, medium, high or critical)`,
		p + `:6:71: hooks.0 (blok).detectors: "bulk_bsn_exprot" is no detector: did you mean "bulk_bsn_export"? (detectors: shared_credentials, bulk_bsn_export,`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	p = write(t, "organisation: {timezone: Europe/Amsterdam}\nregister: {dir: /tmp/x}\ninputs:\n  - {name: shares, format: samba-audit, paths: [/a], poll: 5000000000}\n")
	if c, err := Load(p, nil); err != nil || c.Inputs[0].Poll != 5*time.Second {
		t.Errorf("nanoseconds as JSON writes them: %v %v", c, err)
	}
}
