package documents

// Crafted text in every free-text field of the AP melding, and crafted file names in the evidence
// bundle. The end-to-end run from log lines is daemon/pipeline_inject_test.go.

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

func TestMdInlineEscapesStructure(t *testing.T) {
	for in, want := range map[string]string{
		`[klik hier](javascript:alert(1))`:   `[klik hier\](javascript:alert(1))`,
		`![x](http://evil.example/x.png)`:    `![x\](http://evil.example/x.png)`,
		`[x][ref]`:                           `[x\][ref]`,
		`[ref]: javascript:alert(1)`:         `[ref\]: javascript:alert(1)`,
		`<script>alert(1)</script>`:          `\<script\>alert(1)\</script\>`,
		`<http://evil.example>`:              `\<http://evil.example\>`,
		`"><img src=x onerror=alert(1)>`:     `"\>\<img src=x onerror=alert(1)\>`,
		"# kop":                              `\# kop`,
		"  # kop":                            `\# kop`,
		"- item":                             `\- item`,
		"+ item":                             `\+ item`,
		"=HYPERLINK(1)":                      `\=HYPERLINK(1)`,
		"| a | b |":                          `\| a \| b \|`,
		"`code` **vet** \\":                  "\\`code\\` \\*\\*vet\\*\\* \\\\",
		"regel een\r\n# twee\ndrie\rvier":    `regel een # twee drie vier`,
		Placeholder:                          Placeholder,
		Placeholder + " (geen schatting)":    Placeholder + " (geen schatting)",
		"gewoon: BSN's van 250 inwoners.":    "gewoon: BSN's van 250 inwoners.",
		"a.bakker-2 (lw-bulk-bsn-export) ok": "a.bakker-2 (lw-bulk-bsn-export) ok",
		"\xff](x)":                           "\xff\\](x)", // invalid UTF-8 is kept, not a panic
		"]":                                  "]",
	} {
		if got := mdInline(in); got != want {
			t.Errorf("mdInline(%q) = %q, want %q", in, got, want)
		}
	}
}

// mdUnescaped finds what a markdown renderer would act on: <, >, `, |, *, or a "]" opening a link
// destination, a reference or a definition, not preceded by a backslash.
var mdUnescaped = regexp.MustCompile("(^|[^\\\\])(\\\\\\\\)*([<>`|*]|\\][(\\[:])")

// Random text over markdown's special characters never comes out able to add structure.
func TestMdInlineRandomText(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 3))
	alphabet := []string{"[", "]", "(", ")", ":", "<", ">", "`", "*", "_", "|", "#", "-", "+", "=", "!", "\\", "\n", "\r", " ", "a", "é", "\xff"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		in := b.String()
		out := mdInline(in)
		if strings.ContainsAny(out, "\r\n") {
			t.Fatalf("mdInline(%q) = %q: a line break", in, out)
		}
		if m := mdUnescaped.FindStringSubmatch(out); m != nil {
			t.Fatalf("mdInline(%q) = %q: unescaped %q", in, out, m[3])
		}
		if out != "" && strings.ContainsRune("#+-=", rune(out[0])) {
			t.Fatalf("mdInline(%q) = %q: starts a heading, list or setext line", in, out)
		}
	}
}

var (
	rawLink = regexp.MustCompile(`(^|[^\\])\]\(javascript`)
	rawTag  = regexp.MustCompile(`(^|[^\\])<(img|b|rule)`)
)

func TestAPMeldingEscapesEveryFreeTextField(t *testing.T) {
	payload := "x\n# kop [klik](javascript:alert(1)) <img src=x onerror=alert(1)> | a |"
	at := t0.Add(time.Hour)
	details := map[string]register.Detail{}
	for _, k := range register.Details {
		details[k] = register.Detail{Value: payload + " " + k, By: "fg", At: at}
	}
	in := &register.Incident{ID: "LW-2026-000001", Status: register.StatusOpen, Detector: "threshold", Rule: "own <rule>",
		RuleTitle: payload, Severity: hit.SeverityHigh, Summary: payload, FirstSeen: t0, LastSeen: t0, DiscoveredAt: t0,
		Deadline: t0.Add(72 * time.Hour), DataCategories: []hit.Category{hit.CategoryBSN},
		History: []register.Change{{At: t0, By: payload, From: register.StatusDraft, To: register.StatusOpen, Reason: payload}},
		Assessment: &register.Assessment{Details: details, Outcome: assessment.Outcome{Next: assessment.QSecurityIncident},
			Questions: []register.QuestionState{{ID: assessment.QSecurityIncident, Question: "Is dit <b>een</b> incident?", Suggested: "yes",
				Reason: payload, Answer: "yes", By: payload, At: &at}}}}
	o := org
	o.Name, o.FG.Name, o.FG.Email, o.FG.Phone = payload, payload, payload, payload
	md := NewAPMelding(o, in, in.Deadline.Add(time.Hour)).Markdown()
	for n, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "# kop") || rawLink.MatchString(line) || rawTag.MatchString(line) ||
			strings.HasPrefix(line, "> #") || strings.HasPrefix(line, "|") {
			t.Errorf("line %d: crafted text makes markdown: %q", n+1, line)
		}
	}
	// Every field is there, escaped and on one line.
	if got := strings.Count(md, `x # kop [klik\](javascript:alert(1)) \<img src=x onerror=alert(1)\> \| a \|`); got < 15 {
		t.Errorf("the escaped payload appears %d times, want every free-text field:\n%s", got, md)
	}
}

// The evidence bundle's file entries stay inside the archive whatever the watched file was called,
// and SHA256SUMS still verifies them.
func TestEvidenceZipCraftedFileNames(t *testing.T) {
	sources := []string{"../../etc/passwd", `..\..\windows\win.ini`, "/etc/shadow", `C:\Windows\System32\x.csv`, `\\server\share\..\..\y.csv`,
		"/srv/watch/..", "/srv/watch/.", "/srv/watch/...", "/srv/watch/a\x00b.csv", "/srv/watch/new\nline.csv", "/srv/watch/\r\n", "",
		"/srv/watch/" + strings.Repeat("é", 200) + ".csv", "/srv/watch/" + strings.Repeat(".", 120) + "x", "/srv/watch/<script>.csv",
		"/srv/watch/ x .csv", "/srv/watch/SHA256SUMS", "/srv/watch/manifest.json"}
	in := &register.Incident{ID: "LW-2026-000009", Status: register.StatusOpen}
	content := map[int]string{}
	for i, s := range sources {
		c := "inhoud " + s
		sum := sha256.Sum256([]byte(c))
		in.Evidence = append(in.Evidence, register.Evidence{Seq: i + 1, Kind: hit.EvidenceFile, Source: s,
			SHA256: hex.EncodeToString(sum[:]), Size: int64(len(c))})
		content[i+1] = c
	}
	in.Evidence = append(in.Evidence, register.Evidence{Seq: len(sources) + 1, Kind: hit.EvidenceLine, Source: "../../x.log", Text: "regel",
		SHA256: hex.EncodeToString(func() []byte { s := sha256.Sum256([]byte("regel")); return s[:] }())})
	open := func(e register.Evidence) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(content[e.Seq])), nil
	}
	var buf bytes.Buffer
	if err := EvidenceZip(&buf, in, open); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{}
	for _, f := range zr.File {
		n := f.Name
		if path.IsAbs(n) || strings.Contains(n, "..") || strings.ContainsAny(n, "\\\x00\r\n: ") || path.Clean(n) != n ||
			!(strings.HasPrefix(n, "files/") || strings.HasPrefix(n, "items/") || n == ManifestName || n == SumsName) {
			t.Errorf("unsafe entry %q", n)
		}
		if _, dup := data[n]; dup {
			t.Errorf("entry %q twice (a file named like a fixed entry must not replace it)", n)
		}
		rc, _ := f.Open()
		data[n], _ = io.ReadAll(rc)
		rc.Close()
	}
	lines := strings.Split(strings.TrimSuffix(string(data[SumsName]), "\n"), "\n")
	if len(lines) != len(in.Evidence) {
		t.Fatalf("SHA256SUMS has %d lines, want %d:\n%s", len(lines), len(in.Evidence), data[SumsName])
	}
	for _, l := range lines {
		sum, name, _ := strings.Cut(l, "  ")
		got := sha256.Sum256(data[name])
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS line %q does not verify", l)
		}
	}
}
