package collectors

import (
	"os"
	"path/filepath"
	"strings"
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
		if f.Name == "json" || f.Name == "csv" {
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

// A mapping's new keys load through the config (viper nests dotted keys; fields are read flat), and
// a misspelt field is answered with the field meant, at the mapping's line.
func TestMappingKeysThroughConfig(t *testing.T) {
	cfg := `organisation: {timezone: Europe/Amsterdam}
register: {dir: /tmp/x}
inputs:
  - name: usb
    format: csv
    paths: [/logs/usb/*.csv]
    mapping:
      time: tijdstip
      user: gebruiker
      category: file
      default_action: write
      fields:
        host.name: werkplek
        file.path: bestand
        http: {request: {bytes: up}}
  - name: proxy
    format: json
    paths: [/logs/proxy/*.jsonl]
    mapping:
      time: ts
      category_field: kind
      categories: {web: [proxy]}
      fields: {destination.domain: host, url.path: path, file.pth: p}
`
	p := filepath.Join(t.TempDir(), "lekwacht.yaml")
	os.WriteFile(p, []byte(cfg), 0o600)
	_, err := config.Load(p, CheckInput)
	for _, want := range []string{"url.path: unknown field; did you mean http.path?", "file.pth: unknown field; did you mean file.path?", "lekwacht.yaml:23:15: inputs.1 (proxy).mapping.fields.url.path"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	os.WriteFile(p, []byte(strings.Replace(strings.Replace(cfg, ", url.path: path", "", 1), ", file.pth: p", "", 1)), 0o600)
	c, err := config.Load(p, CheckInput)
	if err != nil {
		t.Fatal(err)
	}
	f := c.Inputs[0].Mapping.Fields
	if len(f) != 3 || f["host.name"] != "werkplek" || f["http.request.bytes"] != "up" || c.Inputs[1].Mapping.Fields["destination.domain"] != "host" {
		t.Errorf("fields %v / %v", f, c.Inputs[1].Mapping.Fields)
	}
}

// TestUnknownFormatSaysWhatWasMeant: a misspelt format names the input, says the format meant and
// lists the formats.
func TestUnknownFormatSaysWhatWasMeant(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lekwacht.yaml")
	os.WriteFile(p, []byte("organisation: {timezone: Europe/Amsterdam}\nregister: {dir: /tmp/x}\ninputs:\n  - {name: mail, format: postfx, paths: [/var/log/mail.log]}\n"), 0o600)
	_, err := config.Load(p, CheckInput)
	want := p + `:4:26: inputs.0 (mail).format: unknown format "postfx": did you mean "postfix"? (formats: combined, csv,`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error does not say %q:\n%v", want, err)
	}
}
