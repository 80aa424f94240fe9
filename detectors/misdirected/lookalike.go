package misdirected

import "strings"

// Likeness says how a domain resembles a known one.
type Likeness string

// The kinds of resemblance.
const (
	Typo      Likeness = "typefout"          // one letter added, dropped, changed or two swapped
	Homoglyph Likeness = "gelijkende tekens" // rn for m, 0 for o, 1 for l, vv for w, ...
	TLDSwap   Likeness = "ander topdomein"   // the same name under another top-level domain, or the whole
	// domain with one more on top (voorbeeld.nl.com, voorbeeld.nl.eu)
)

// homoglyphs fold characters that look alike in a mail client's font.
var homoglyphs = strings.NewReplacer("rn", "m", "vv", "w", "cl", "d", "0", "o", "1", "l", "i", "l", "5", "s")

// Resembles says whether domain d looks like known domain k without being it, and how.
func Resembles(d, k string) (Likeness, bool) {
	d, k = strings.ToLower(d), strings.ToLower(k)
	if d == k || d == "" || k == "" {
		return "", false
	}
	dn, dt := split(d)
	kn, kt := split(k)
	switch {
	case dn == kn && dt != kt, dn == k:
		return TLDSwap, true
	case dt == kt && len(kn) >= 4 && homoglyphs.Replace(dn) == homoglyphs.Replace(kn):
		return Homoglyph, true
	case dt == kt && len(kn) >= 5 && distance(dn, kn) <= maxEdits(kn):
		return Typo, true
	}
	return "", false
}

func maxEdits(name string) int {
	if len(name) >= 12 {
		return 2
	}
	return 1
}

// split cuts a domain into its name and its top-level domain.
func split(d string) (name, tld string) {
	i := strings.LastIndexByte(d, '.')
	if i < 0 {
		return d, ""
	}
	return d[:i], d[i+1:]
}

// distance is the Damerau-Levenshtein distance (optimal string alignment) of two short strings.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
