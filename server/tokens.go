package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"go.yaml.in/yaml/v3"
)

// Role is what a token may do.
type Role string

// The roles of the contract: the security team triages drafts, the FG assesses, an admin does both.
const (
	RoleAnalyst Role = "analyst"
	RoleFG      Role = "fg"
	RoleAdmin   Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleAnalyst, RoleFG, RoleAdmin}

// Permission is one kind of request.
type Permission string

// The permissions.
const (
	PermRead   Permission = "read"   // list and show incidents, download documents
	PermTriage Permission = "triage" // open or dismiss a draft
	PermAssess Permission = "assess" // answer the assessment flow, correct the estimates, close
	PermExport Permission = "export" // export the datalekregister (CSV, XLSX)
	PermRevert Permission = "revert" // take a triage back (open or dismissed to draft)
)

var grants = map[Role][]Permission{
	RoleAnalyst: {PermRead, PermTriage},
	RoleFG:      {PermRead, PermAssess, PermExport},
	RoleAdmin:   {PermRead, PermTriage, PermAssess, PermExport, PermRevert},
}

// permissionActs word what a permission lets one do, for a refusal that says who can.
var permissionActs = map[Permission]string{
	PermRead:   "incidenten inzien",
	PermTriage: "een concept openen of afwijzen",
	PermAssess: "een incident beoordelen, corrigeren of afsluiten",
	PermExport: "het datalekregister exporteren",
	PermRevert: "een besluit van het securityteam terugdraaien",
}

// whoMay says in Dutch which roles grant p: "alleen de FG of een beheerder kan het datalekregister
// exporteren".
func whoMay(p Permission) string {
	var who []string
	for _, r := range Roles {
		if r.Allows(p) {
			who = append(who, map[Role]string{RoleAnalyst: "het securityteam", RoleFG: "de FG", RoleAdmin: "een beheerder"}[r])
		}
	}
	if len(who) == 0 {
		return "niemand kan " + permissionActs[p]
	}
	list := who[0]
	if len(who) > 1 {
		list = strings.Join(who[:len(who)-1], ", ") + " of " + who[len(who)-1]
	}
	return "alleen " + list + " kan " + permissionActs[p]
}

// Allows says whether r grants p.
func (r Role) Allows(p Permission) bool { return slices.Contains(grants[r], p) }

// Token is one entry of the tokens file: who it is, the role, and the SHA-256 of the secret. The
// secret itself is shown once when the token is made and is stored nowhere.
type Token struct {
	Name   string `yaml:"name"`
	Role   Role   `yaml:"role"`
	SHA256 string `yaml:"sha256"`
	// Created is when `lekwacht tokens add` made it (RFC 3339; empty in older files).
	Created string `yaml:"created,omitempty"`
}

// Tokens is the loaded tokens file.
type Tokens struct {
	list []Token
	sums [][]byte
}

type tokensFile struct {
	Tokens []Token `yaml:"tokens"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

// LoadTokens reads a tokens file (YAML: `tokens: [{name, role, sha256}]`), strictly: an unknown key,
// role or a malformed hash is an error naming the file and line.
func LoadTokens(path string) (*Tokens, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokens file: %w", err)
	}
	return ParseTokens(data, path)
}

// ParseTokens reads the text of a tokens file; name is used in errors.
func ParseTokens(data []byte, name string) (*Tokens, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var f tokensFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) { // an empty file: no tokens
		return nil, decodeError(name, err)
	}
	t := &Tokens{}
	var errs []error
	lines := tokenLines(&root)
	seen := map[string]bool{}
	sums := map[string]string{}
	for i, tok := range f.Tokens {
		at := fmt.Sprintf("%s:%d", name, lineOf(lines, i))
		switch {
		case !namePattern.MatchString(tok.Name):
			errs = append(errs, fmt.Errorf("%s: name %q: letters, digits and . _ @ - only", at, tok.Name))
		case seen[tok.Name]:
			errs = append(errs, fmt.Errorf("%s: name %q is given twice", at, tok.Name))
		case !slices.Contains(Roles, tok.Role):
			errs = append(errs, fmt.Errorf("%s: role %q%s (roles: analyst, fg, admin)", at, tok.Role, config.DidYouMean(tok.Role, Roles)))
		}
		seen[tok.Name] = true
		sum, err := hex.DecodeString(tok.SHA256)
		if err != nil || len(sum) != sha256.Size {
			errs = append(errs, fmt.Errorf("%s: sha256: want the 64 hex digits `lekwacht tokens add` prints", at))
			continue
		}
		// One secret, one identity: a second entry with the same hash would decide the role silently.
		if other, dup := sums[string(sum)]; dup {
			errs = append(errs, fmt.Errorf("%s: sha256 is also the secret of %q: make a new token for %q", at, other, tok.Name))
			continue
		}
		sums[string(sum)] = tok.Name
		t.list = append(t.list, tok)
		t.sums = append(t.sums, sum)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// unknownField is the YAML library's "line N: field X not found in type server.Token".
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

// decodeError writes the YAML library's complaints as the config's: file:line, then the unknown key
// with what was meant, or the library's words.
func decodeError(name string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", name, err)
	}
	keys := []string{"name", "role", "sha256", "created"}
	errs := make([]error, len(te.Errors))
	for i, e := range te.Errors {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			errs[i] = fmt.Errorf("%s:%s: unknown key %q%s (the keys of a token are %s)", name, m[1], m[2],
				config.DidYouMean(m[2], keys), strings.Join(keys, ", "))
			continue
		}
		if line, msg, ok := strings.Cut(strings.TrimPrefix(e, "line "), ": "); ok && strings.HasPrefix(e, "line ") {
			errs[i] = fmt.Errorf("%s:%s: %s", name, line, msg) // "cannot unmarshal !!map into []server.Token"
			continue
		}
		errs[i] = fmt.Errorf("%s: %s", name, e)
	}
	return errors.Join(errs...)
}

func tokenLines(root *yaml.Node) []int {
	if len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "tokens" {
			var out []int
			for _, n := range m.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

func lineOf(lines []int, i int) int {
	if i < len(lines) && lines[i] > 0 {
		return lines[i]
	}
	return 1 // the entry's own line is unknown (a merge key): the file's start
}

// List returns the tokens in the file's order.
func (t *Tokens) List() []Token {
	if t == nil {
		return nil
	}
	return slices.Clone(t.list)
}

// Len is the number of tokens.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.list)
}

// Lookup finds the token whose secret this is. Every entry is compared in constant time.
func (t *Tokens) Lookup(secret string) (Token, bool) {
	if t == nil || secret == "" {
		return Token{}, false
	}
	sum := sha256.Sum256([]byte(secret))
	found := -1
	for i, s := range t.sums {
		if subtle.ConstantTimeCompare(sum[:], s) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Token{}, false
	}
	return t.list[found], true
}

// NewSecret makes a token secret and the hash that goes into the tokens file.
func NewSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = "lw_" + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	return secret, hex.EncodeToString(sum[:]), nil
}

// AddToken appends a token entry to the tokens file at path (created 0600 when absent) and returns
// the secret, which is shown once.
func AddToken(path, name string, role Role) (string, error) {
	var existing []byte
	if b, err := os.ReadFile(path); err == nil {
		existing = b
		if _, err := ParseTokens(b, path); err != nil {
			return "", err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	tok := Token{Name: name, Role: role, SHA256: strings.Repeat("0", 64), Created: time.Now().UTC().Format(time.RFC3339)}
	probe := append(append([]byte{}, existing...), []byte(entry(tok, len(existing) == 0))...)
	if _, err := ParseTokens(probe, path); err != nil {
		return "", err
	}
	secret, hash, err := NewSecret()
	if err != nil {
		return "", err
	}
	tok.SHA256 = hash
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(entry(tok, len(existing) == 0)); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return secret, f.Close()
}

func entry(t Token, first bool) string {
	s := fmt.Sprintf("  - {name: %q, role: %s, sha256: %s, created: %q}\n", t.Name, t.Role, t.SHA256, t.Created)
	if first {
		s = "# lekwacht API and web page tokens: the SHA-256 of each secret, never the secret.\ntokens:\n" + s
	}
	return s
}

// ErrNoSuchToken is RevokeToken's error for a name the file does not hold.
var ErrNoSuchToken = errors.New("no such token")

// RevokeToken removes the token called name from the tokens file at path. The file is rewritten
// atomically with the mode, owner and group it had, so a root-run revoke leaves it readable by the
// service user as before; comments and the other entries stay. A running lekwacht drops the token as
// it sees the file change.
func RevokeToken(path, name string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("tokens file: %w", err)
	}
	if _, err := ParseTokens(data, path); err != nil {
		return err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !removeEntry(&root, name) {
		return fmt.Errorf("%s: %w %q", path, ErrNoSuchToken, name)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return err
	}
	if _, err := ParseTokens(b.Bytes(), path); err != nil {
		return err
	}
	return replaceKeepingOwner(path, b.Bytes())
}

// removeEntry drops the entry called name from the tokens sequence of a tokens file's tree.
func removeEntry(root *yaml.Node, name string) bool {
	if len(root.Content) == 0 {
		return false
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "tokens" {
			continue
		}
		seq := m.Content[i+1]
		for j, item := range seq.Content {
			for k := 0; k+1 < len(item.Content); k += 2 {
				if item.Content[k].Value == "name" && item.Content[k+1].Value == name {
					seq.Content = slices.Delete(seq.Content, j, j+1)
					if len(seq.Content) == 0 {
						seq.Style = yaml.FlowStyle // tokens: []
					}
					return true
				}
			}
		}
	}
	return false
}

// replaceKeepingOwner writes data to path through a temporary file renamed over it, with the old
// file's mode, owner and group.
func replaceKeepingOwner(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokens-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if err != nil { // a failed write or sync leaves the old file in place
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), st.Mode().Perm()); err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		if err := os.Chown(tmp.Name(), int(sys.Uid), int(sys.Gid)); err != nil {
			return fmt.Errorf("%s belongs to uid %d gid %d, which this user cannot give the rewritten file: run as root or as its owner (%w)",
				path, sys.Uid, sys.Gid, err)
		}
	}
	return os.Rename(tmp.Name(), path)
}
