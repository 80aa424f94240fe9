package winxml

import (
	"strconv"
	"strings"
)

// parseKeywords reads a hexadecimal Keywords value such as 0x8010000000000000.
func parseKeywords(s string) (uint64, error) {
	return strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(s), "0x"), 16, 64)
}
