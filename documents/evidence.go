package documents

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// Names of the bundle's fixed entries.
const (
	ManifestName = "manifest.json"
	SumsName     = "SHA256SUMS"
)

// Manifest describes an evidence bundle.
type Manifest struct {
	Incident string         `json:"incident"`
	Status   string         `json:"status"`
	Detector string         `json:"detector"`
	Rule     string         `json:"rule"`
	Items    []ManifestItem `json:"items"`
}

// ManifestItem is one evidence item in the bundle.
type ManifestItem struct {
	Seq          int       `json:"seq"`
	Kind         string    `json:"kind"`
	Input        string    `json:"input,omitempty"`
	Source       string    `json:"source"`
	Offset       int64     `json:"offset"`
	Line         int64     `json:"line,omitempty"`
	Time         time.Time `json:"time"`
	RegisteredAt time.Time `json:"registered_at"`
	SHA256       string    `json:"sha256"` // as registered: the sha256 of the exact stored bytes
	Size         int64     `json:"size"`
	Name         string    `json:"name"` // the entry in the zip
	// ContentSHA256 is set only when the bytes written differ from the registered hash: the stored
	// copy was changed after registration (`lekwacht verify` names it too).
	ContentSHA256 string `json:"content_sha256,omitempty"`
}

// EvidenceZip writes an incident's evidence (as (*register.Register).Show returns it) as a zip:
// items/NNNN.log per line item (the original line, byte for byte, no newline added),
// files/NNNN-<name> per file item (content from open), manifest.json, and SHA256SUMS in the format
// `sha256sum -c` checks, with the hashes as registered.
func EvidenceZip(w io.Writer, in *register.Incident, open func(register.Evidence) (io.ReadCloser, error)) error {
	zw := zip.NewWriter(w)
	man := Manifest{Incident: in.ID, Status: string(in.Status), Detector: in.Detector, Rule: in.Rule, Items: []ManifestItem{}}
	var sums strings.Builder
	for _, e := range in.Evidence {
		name := EntryName(e)
		if err := checkEntryName(name); err != nil {
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: e.RegisteredAt})
		if err != nil {
			return fmt.Errorf("evidence %d: %w", e.Seq, err)
		}
		h := sha256.New()
		out := io.MultiWriter(fw, h)
		if e.Kind == hit.EvidenceFile {
			if open == nil {
				return fmt.Errorf("evidence %d: a file item but no way to open it", e.Seq)
			}
			rc, err := open(e)
			if err != nil {
				return fmt.Errorf("evidence %d: open %s: %w", e.Seq, e.Source, err)
			}
			_, err = io.Copy(out, rc)
			rc.Close()
			if err != nil {
				return fmt.Errorf("evidence %d: copy %s: %w", e.Seq, e.Source, err)
			}
		} else if _, err := io.WriteString(out, e.Text); err != nil {
			return fmt.Errorf("evidence %d: %w", e.Seq, err)
		}
		item := ManifestItem{Seq: e.Seq, Kind: string(e.Kind), Input: e.Input, Source: e.Source, Offset: e.Offset, Line: e.Line,
			Time: e.Time, RegisteredAt: e.RegisteredAt, SHA256: e.SHA256, Size: e.Size, Name: name}
		if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, e.SHA256) {
			item.ContentSHA256 = got
		}
		man.Items = append(man.Items, item)
		fmt.Fprintf(&sums, "%s  %s\n", strings.ToLower(e.SHA256), name)
	}
	mj, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	if err := writeEntry(zw, ManifestName, append(mj, '\n')); err != nil {
		return err
	}
	if err := writeEntry(zw, SumsName, []byte(sums.String())); err != nil {
		return err
	}
	return zw.Close()
}

func writeEntry(zw *zip.Writer, name string, data []byte) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}

// EntryName is the zip entry of an evidence item: items/NNNN.log for a line, files/NNNN-<name> for
// a file, where name is the base name of its source made safe.
func EntryName(e register.Evidence) string {
	if e.Kind == hit.EvidenceFile {
		return fmt.Sprintf("files/%04d-%s", e.Seq, SafeBase(e.Source))
	}
	return fmt.Sprintf("items/%04d.log", e.Seq)
}

// SafeBase is the base name of a path (either separator), reduced to letters, digits, '.', '_' and
// '-', without "..", leading dots or path separators; "bestand" when nothing is left.
func SafeBase(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	base := path.Base(p)
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := b.String()
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	s = strings.TrimLeft(s, ".")
	if strings.Trim(s, "_.-") == "" {
		return "bestand"
	}
	return s
}

func checkEntryName(name string) error {
	if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.Contains(name, "..") || path.Clean(name) != name {
		return errors.New("unsafe zip entry name " + name)
	}
	return nil
}
