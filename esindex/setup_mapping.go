package esindex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// fieldMapping is one field of the index template's mapping.
type fieldMapping struct {
	Type        string                  `json:"type"`
	Properties  map[string]fieldMapping `json:"properties"`
	Fields      map[string]fieldMapping `json:"fields"` // multi-fields, e.g. summary.keyword
	IgnoreAbove int                     `json:"ignore_above"`
}

// templateProperties is the top level of the shipped template's mapping.
func templateProperties() (map[string]fieldMapping, error) {
	b, err := templateMappings()
	if err != nil {
		return nil, err
	}
	var m fieldMapping
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: mappings: %w", templateFile, err)
	}
	return m.Properties, nil
}

// MappedFields lists every field the index template maps, dotted path to type (multi-fields
// included, objects not), for checks of queries and documents against the mapping.
func MappedFields() (map[string]string, error) {
	props, err := templateProperties()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(prefix string, props map[string]fieldMapping)
	walk = func(prefix string, props map[string]fieldMapping) {
		for name, f := range props {
			p := prefix + name
			if f.Properties != nil {
				walk(p+".", f.Properties)
				continue
			}
			out[p] = f.Type
			for sub, sf := range f.Fields {
				out[p+"."+sub] = sf.Type
			}
		}
	}
	walk("", props)
	return out, nil
}

// CheckDocument reports, as one error, every field of an incident document (JSON) that the index
// template does not map, and every value that does not fit its field's type. The template's mapping
// is not strict (an unmapped field is kept in _source but not searchable), so this check is what
// catches drift between the indexer and the template: call it on the indexer's documents in tests.
func CheckDocument(doc []byte) error {
	props, err := templateProperties()
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var d map[string]any
	if err := dec.Decode(&d); err != nil {
		return fmt.Errorf("document: %w", err)
	}
	var problems []error
	checkObject("", d, props, &problems)
	return errors.Join(problems...)
}

func checkObject(prefix string, obj map[string]any, props map[string]fieldMapping, problems *[]error) {
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p := prefix + k
		f, ok := props[k]
		if !ok {
			*problems = append(*problems, fmt.Errorf("%s: not mapped", p))
			continue
		}
		checkValue(p, obj[k], f, problems)
	}
}

func checkValue(path string, v any, f fieldMapping, problems *[]error) {
	switch v := v.(type) {
	case nil:
	case []any:
		for _, e := range v {
			checkValue(path, e, f, problems)
		}
	case map[string]any:
		if f.Properties == nil {
			*problems = append(*problems, fmt.Errorf("%s: an object, mapped as %s", path, f.Type))
			return
		}
		checkObject(path+".", v, f.Properties, problems)
	default:
		if f.Properties != nil {
			*problems = append(*problems, fmt.Errorf("%s: %v where the mapping has an object", path, v))
		} else if !fits(f.Type, v) {
			*problems = append(*problems, fmt.Errorf("%s: %#v does not fit a %s field", path, v, f.Type))
		}
	}
}

// fits says whether a JSON value can be indexed into a field of type typ without a mapping error.
func fits(typ string, v any) bool {
	switch typ {
	case "keyword", "text", "match_only_text":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "date":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case "byte", "short", "integer", "long":
		n, ok := v.(json.Number)
		if !ok || strings.ContainsAny(n.String(), ".eE") {
			return false
		}
		i, err := n.Int64()
		limit := map[string]int64{"byte": math.MaxInt8, "short": math.MaxInt16, "integer": math.MaxInt32, "long": math.MaxInt64}[typ]
		return err == nil && i <= limit && i >= -limit-1
	}
	return false
}
