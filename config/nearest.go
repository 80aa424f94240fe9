package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Nearest returns the candidate closest to word, when it is a few edits away (a misspelling),
// else "".
func Nearest(word string, candidates []string) string {
	best, bestDist := "", len(word)/2+2
	for _, c := range candidates {
		if d := EditDistance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean is ": did you mean "x"?" when word is a misspelling of one of candidates, else "".
func DidYouMean[T ~string](word T, candidates []T) string {
	cs := make([]string, len(candidates))
	for i, c := range candidates {
		cs[i] = string(c)
	}
	if near := Nearest(string(word), cs); near != "" && near != string(word) {
		return fmt.Sprintf(": did you mean %q?", near)
	}
	return ""
}

// EditDistance is the Levenshtein distance of a and b in bytes.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// keysAt lists the keys the config allows under the dotted path parent ("" the top, "inputs.4",
// "organisation"), from the structs' mapstructure tags; nil when parent is no struct.
func keysAt(parent string) []string {
	t := reflect.TypeFor[Config]()
	if parent != "" {
		for _, part := range strings.Split(parent, ".") {
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			if _, err := strconv.Atoi(part); err == nil && t.Kind() == reflect.Slice {
				t = t.Elem()
				continue
			}
			if t.Kind() != reflect.Struct {
				return nil
			}
			found := false
			for i := range t.NumField() {
				if name, _, _ := strings.Cut(t.Field(i).Tag.Get("mapstructure"), ","); name == part {
					t, found = t.Field(i).Type, true
					break
				}
			}
			if !found {
				return nil
			}
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("mapstructure"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	return keys
}
