// Package daemon wires lekwacht together: configured inputs, tailers or whole files, parsers and the
// outputs, for the run, replay and parse commands.
package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/config"
)

// parserOptions are the parse.Options of a configured input.
func parserOptions(cfg *config.Config, in config.Input, ref func() time.Time) parse.Options {
	return parse.Options{
		Input:     in.Name,
		Location:  cfg.InputLocation(in),
		Reference: ref,
		Mapping:   in.Mapping,
		Prefix:    in.Prefix,
	}
}

// runInput is a configured input at run time, with its rejects file.
type runInput struct {
	*collectors.Input
	config  config.Input
	rejects *collectors.Rejects
	// lastLine is when run last read a new line of this input (Unix nanoseconds; 0: none yet).
	lastLine atomic.Int64
	// ackedRejects is the rejects file's length when run last acknowledged a line of this input
	// (under the daemon's lock): what the checkpoint records, since the line being parsed meanwhile
	// may have added a record whose line the positions do not hold yet.
	ackedRejects int64
}

// newInput builds the runtime input; rejectsSize < 0 keeps the whole rejects file.
func newInput(cfg *config.Config, in config.Input, ref func() time.Time, rejectsSize int64) (*runInput, error) {
	p, err := collectors.NewParser(in.Format, parserOptions(cfg, in, ref))
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", in.Name, err)
	}
	rj, err := collectors.OpenRejects(rejectsPath(cfg, in.Name), rejectsSize)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", in.Name, err)
	}
	return &runInput{
		Input:        &collectors.Input{Name: in.Name, Format: in.Format, Parser: p, Counters: &collectors.Counters{}, Rejects: rj},
		config:       in,
		rejects:      rj,
		ackedRejects: rj.Size(),
	}, nil
}

func rejectsPath(cfg *config.Config, input string) string {
	return filepath.Join(cfg.Register.Dir, "rejects", input+".jsonl")
}

// ensureRegisterDir creates the register folder, private to lekwacht's user.
func ensureRegisterDir(cfg *config.Config) error {
	if err := os.MkdirAll(cfg.Register.Dir, 0o700); err != nil {
		return fmt.Errorf("register folder: %w", err)
	}
	return nil
}
