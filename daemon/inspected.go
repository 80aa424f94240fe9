package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/lekwacht/lekwacht/collectors/tail"
)

// InspectedFile is the file in register.dir that lists the SHA-256 of every watched file run has
// inspected, so that the files already in a watch: folder at start are inspected once, not at every
// restart.
const InspectedFile = "inspected.json"

// inspected is the set of content hashes of the watched files inspected so far.
type inspected struct {
	path string
	mu   sync.Mutex
	sums map[string]bool
}

func loadInspected(dir string) (*inspected, error) {
	s := &inspected{path: filepath.Join(dir, InspectedFile), sums: map[string]bool{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	for _, sum := range list {
		s.sums[sum] = true
	}
	return s, nil
}

// seen says whether content with this hash was inspected before.
func (s *inspected) seen(sum string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sums[sum]
}

// add records hashes and saves the set once.
func (s *inspected) add(sums ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.sums)
	for _, sum := range sums {
		s.sums[sum] = true
	}
	if len(s.sums) == n {
		return nil
	}
	list := make([]string, 0, len(s.sums))
	for k := range s.sums {
		list = append(list, k)
	}
	sort.Strings(list)
	b, _ := json.Marshal(list)
	return tail.WriteAtomic(s.path, b)
}

// fileSum is the SHA-256 of a file's content, in hex.
func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
