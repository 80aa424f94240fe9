package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/collectors/tail"
)

// TokensUsedFile is the file in register.dir where run keeps when each token was last used (a
// request it authenticated), to the minute: `lekwacht tokens list` shows it. The tokens file itself
// is not written by run.
const TokensUsedFile = "tokens-used.json"

// tokenUse is the last use of each token, saved when it changed.
type tokenUse struct {
	path  string
	mu    sync.Mutex
	last  map[string]time.Time
	dirty bool
}

func newTokenUse(dir string) *tokenUse {
	last, _ := LoadTokensUsed(dir) // unreadable: start afresh, the next save replaces it
	if last == nil {
		last = map[string]time.Time{}
	}
	return &tokenUse{path: filepath.Join(dir, TokensUsedFile), last: last}
}

// note records a use of the token called name at now; uses within a minute of the last one
// recorded change nothing.
func (u *tokenUse) note(name string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now.Sub(u.last[name]) < time.Minute {
		return
	}
	u.last[name] = now.UTC().Truncate(time.Second)
	u.dirty = true
}

// save writes the uses when they changed since the last save.
func (u *tokenUse) save() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.dirty {
		return nil
	}
	b, err := json.MarshalIndent(u.last, "", "  ")
	if err != nil {
		return err
	}
	if err := tail.WriteAtomic(u.path, b); err != nil {
		return fmt.Errorf("save %s: %w", TokensUsedFile, err)
	}
	u.dirty = false
	return nil
}

// LoadTokensUsed reads when each token was last used from register.dir (none when run has not
// recorded any).
func LoadTokensUsed(registerDir string) (map[string]time.Time, error) {
	b, err := os.ReadFile(filepath.Join(registerDir, TokensUsedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]time.Time{}, nil
	}
	if err != nil {
		return nil, err
	}
	var last map[string]time.Time
	if err := json.Unmarshal(b, &last); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(registerDir, TokensUsedFile), err)
	}
	return last, nil
}
