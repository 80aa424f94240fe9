package rules

import (
	"fmt"
	"io/fs"
)

// ShippedSource returns the YAML text of a shipped rule, for a gemeente (or the simulator) that
// copies it into its own rules folder to add an allow-list.
func ShippedSource(id string) ([]byte, error) {
	b, err := fs.ReadFile(shipped, "default/"+id+".yaml")
	if err != nil {
		return nil, fmt.Errorf("no shipped rule %q", id)
	}
	return b, nil
}
