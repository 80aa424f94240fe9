package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A problem of a tokens file names the file and the entry's line, or is the YAML library's.
var tokensAtLine = regexp.MustCompile(`^t\.yaml:(\d+): `)

// FuzzParseTokens: ParseTokens never panics; a file it accepts holds only well-formed entries, and
// Lookup finds a secret exactly when its SHA-256 is listed, and then an entry with that hash. In
// the fuzzed file "SUM" stands for the SHA-256 of the fuzzed secret, so the fuzzer can list it.
func FuzzParseTokens(f *testing.F) {
	zeros := strings.Repeat("0", 64)
	for _, s := range []string{
		"# lekwacht API and web page tokens\ntokens:\n  - {name: \"a.bakker\", role: fg, sha256: SUM}\n  - {name: \"ict\", role: admin, sha256: " + zeros + "}\n",
		"tokens:\n  - name: sec\n    role: analyst\n    sha256: SUM\n",
		"tokens:\n  - {name: a, role: fg, sha256: SUM}\n  - {name: b, role: analyst, sha256: SUM}\n",
		"tokens:\n  - {name: a, role: fg, sha256: abc}\n",
		"tokens:\n  - {name: a, role: fg, sha256: " + zeros + "}\n  - {name: b, role: root, sha256: " + zeros + "}\n",
		"tokens:\n  - {name: a, rol: fg}\n",
		"tokens:\n  - {name: 'a b', role: fg, sha256: " + zeros + "}\n",
		"tokens: &t [{name: a, role: fg, sha256: SUM}]\nx: *t\n",
		"tokens:\n  - &e {name: a, role: fg, sha256: SUM}\n  - *e\n",
		"", "tokens: []\n", "tokens:\n", "[]", "tokens: {name: a}\n",
	} {
		f.Add([]byte(s), "lw_secret")
	}
	f.Fuzz(func(t *testing.T, data []byte, secret string) {
		sum := sha256.Sum256([]byte(secret))
		data = bytes.ReplaceAll(data, []byte("SUM"), []byte(hex.EncodeToString(sum[:])))
		tokens, err := ParseTokens(data, "t.yaml")
		if err != nil {
			checkTokenProblems(t, data, err)
			return
		}
		var listed bool
		for _, tok := range tokens.list {
			h, err := hex.DecodeString(tok.SHA256)
			if err != nil || len(h) != sha256.Size || !namePattern.MatchString(tok.Name) || !slices.Contains(Roles, tok.Role) {
				t.Fatalf("accepted a malformed entry %+v", tok)
			}
			listed = listed || bytes.Equal(h, sum[:])
		}
		if len(tokens.list) != tokens.Len() || len(tokens.sums) != tokens.Len() {
			t.Fatalf("%d entries, %d sums, Len %d", len(tokens.list), len(tokens.sums), tokens.Len())
		}
		tok, ok := tokens.Lookup(secret)
		if want := listed && secret != ""; ok != want {
			t.Fatalf("Lookup(%q) = %v, its SHA-256 listed: %v", secret, ok, listed)
		}
		if h, _ := hex.DecodeString(tok.SHA256); ok && !bytes.Equal(h, sum[:]) {
			t.Fatalf("Lookup(%q) found %+v, whose hash is not the secret's", secret, tok)
		}
	})
}

func checkTokenProblems(t *testing.T, data []byte, err error) {
	t.Helper()
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	lines := 1
	for _, sep := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
		lines += bytes.Count(data, []byte(sep))
	}
	for _, e := range list {
		msg := e.Error()
		m := tokensAtLine.FindStringSubmatch(msg)
		if m == nil {
			if !strings.HasPrefix(msg, "t.yaml: yaml: ") {
				t.Fatalf("problem names neither the line nor is the YAML library's: %q", msg)
			}
			continue
		}
		if l, _ := strconv.Atoi(m[1]); l < 1 || l > lines {
			t.Fatalf("problem names line %d of a file of %d lines: %q", l, lines, msg)
		}
	}
}
