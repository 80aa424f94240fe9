package collectors

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/config"
)

func TestRegistryNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range formats {
		if seen[f.Name] {
			t.Errorf("format %q registered twice", f.Name)
		}
		seen[f.Name] = true
		if f.Doc == "" {
			t.Errorf("format %q has no doc line", f.Name)
		}
	}
	// Every format of the contract is there.
	for _, name := range []string{"postfix", "exchange-tracking", "samba-audit", "winlog-json", "sshd", "combined", "json"} {
		if !seen[name] {
			t.Errorf("contract format %q missing", name)
		}
	}
}

func TestEveryFormatBuildsWithDefaults(t *testing.T) {
	for _, f := range formats {
		opts := parse.Options{Input: "x"}
		if f.Name == "json" {
			opts.Mapping = &parse.Mapping{Time: "ts", Action: "action"}
		}
		if _, err := f.New(opts); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}

func TestCheckInput(t *testing.T) {
	if ps := CheckInput(config.Input{Name: "a", Format: "postfx"}); len(ps) != 1 || ps[0].Key != "format" {
		t.Errorf("unknown format: %+v", ps)
	}
	if ps := CheckInput(config.Input{Name: "a", Format: "json"}); len(ps) != 1 {
		t.Errorf("json without mapping: %+v", ps)
	}
	if ps := CheckInput(config.Input{Name: "a", Format: "sshd"}); len(ps) != 0 {
		t.Errorf("sshd: %+v", ps)
	}
}
