package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// SearchPaths are tried in order when no --config is given.
var SearchPaths = []string{"./lekwacht.yaml", "/etc/lekwacht/lekwacht.yaml"}

// Default is the configuration used when no file is found: a register under ./lekwacht-data, the
// shipped rules, no inputs, no Elasticsearch.
const Default = `
organisation:
  name: ""
  timezone: Europe/Amsterdam
  working_hours: "Mon-Fri 07:00-19:00"
register: {dir: ./lekwacht-data}
elasticsearch: {index_prefix: lekwacht}
http: {listen: "127.0.0.1:8470", tokens_file: /etc/lekwacht/tokens.yaml}
`

// Load reads the configuration from path, or from the first of SearchPaths that exists when path is
// empty, or the embedded Default when none does. Environment variables LEKWACHT_<SECTION>_<KEY>
// override file values. Every problem is returned at once, each with file:line:col where known.
func Load(path string, check InputCheck) (*Config, error) {
	file := path
	if file == "" {
		for _, p := range SearchPaths {
			if _, err := os.Stat(p); err == nil {
				file = p
				break
			}
		}
	}
	var data []byte
	if file != "" {
		var err error
		data, err = os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
	}
	return decode(file, data, check)
}

func decode(file string, data []byte, check InputCheck) (*Config, error) {
	name := file
	if name == "" {
		name = "(default config)"
	}
	root, err := readTree(name, data)
	if err != nil {
		return nil, err
	}
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(Default)); err != nil {
		return nil, fmt.Errorf("embedded default config: %w", err)
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := v.MergeConfig(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	v.SetEnvPrefix("LEKWACHT")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	bindEnv(v, reflect.TypeOf(Config{}), "")

	var c Config
	var md mapstructure.Metadata
	err = v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.Metadata = &md
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			numberWithoutUnit,
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		)
	})
	pos := positions{file: name, root: root}
	if err != nil {
		return nil, errors.Join(pos.decodeError(err), pos.emptyUnknown())
	}
	if err := pos.emptyUnknown(); err != nil {
		return nil, err
	}
	c.File = file
	if probs := c.Validate(check); len(probs) > 0 {
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = fmt.Errorf("%s: %s: %s", pos.at(p.Key), pos.label(p.Key), p.Msg)
		}
		return nil, errors.Join(errs...)
	}
	return &c, nil
}

// readTree parses the file as YAML for the positions of keys, and reports with file:line:col what
// viper would reject without them: not a mapping, a list or mapping as a key, a key given twice.
func readTree(name string, data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) > 0 {
		if n := root.Content[0]; n.Kind != yaml.MappingNode && n.ShortTag() != "!!null" { // "---" is empty
			return nil, fmt.Errorf("%s:%d:%d: the configuration is a mapping (organisation: ..., inputs: ...)", name, n.Line, n.Column)
		}
	}
	if n := complexKey(&root); n != nil {
		return nil, fmt.Errorf("%s:%d:%d: a key is a plain word, not a list or mapping", name, n.Line, n.Column)
	}
	var probe map[string]any
	var te *yaml.TypeError
	if err := yaml.Unmarshal(data, &probe); errors.As(err, &te) {
		errs := make([]error, len(te.Errors))
		for i, e := range te.Errors {
			errs[i] = fmt.Errorf("%s: %s", name, e) // "line N: mapping key "x" already defined at line M"
		}
		return nil, errors.Join(errs...)
	}
	return &root, nil
}

// complexKey finds a mapping key that is itself a list or mapping (which viper cannot take).
func complexKey(n *yaml.Node) *yaml.Node {
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && c.Kind != yaml.ScalarNode && c.Kind != yaml.AliasNode {
			return c
		}
		if k := complexKey(c); k != nil {
			return k
		}
	}
	return nil
}

// bindEnv makes every scalar key reachable from the environment (viper only consults AutomaticEnv
// for keys it already knows).
func bindEnv(v *viper.Viper, t reflect.Type, prefix string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		if f.Type.Kind() == reflect.Struct {
			bindEnv(v, f.Type, key)
			continue
		}
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
			continue // lists of objects (inputs, watch) come from the file only
		}
		_ = v.BindEnv(key)
	}
}

// positions finds the line and column of a dotted key ("inputs.2.paths") in the YAML file.
type positions struct {
	file string
	root *yaml.Node
}

func (p positions) at(key string) string {
	n := p.root
	if n == nil || len(n.Content) == 0 {
		return p.file
	}
	n = n.Content[0]
	line, col := n.Line, n.Column
	for _, part := range strings.Split(key, ".") {
		next := child(n, part)
		if next == nil {
			break
		}
		n = next
		line, col = n.Line, n.Column
	}
	if line == 0 {
		return p.file
	}
	return fmt.Sprintf("%s:%d:%d", p.file, line, col)
}

func child(n *yaml.Node, part string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		var idx int
		if _, err := fmt.Sscanf(part, "%d", &idx); err == nil && idx >= 0 && idx < len(n.Content) {
			return n.Content[idx]
		}
	}
	return nil
}

// keyNode finds the node of the key name itself (for unknown keys), anywhere below n.
func keyNode(n *yaml.Node, path []string) *yaml.Node {
	if len(path) == 0 || n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if len(path) == 1 && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if strings.EqualFold(n.Content[i].Value, path[0]) {
				return n.Content[i]
			}
		}
		return nil
	}
	return keyNode(child(n, path[0]), path[1:])
}

// decodeError turns mapstructure's error list into one line per problem, as Validate's read:
// file:line:col, the key with the names of inputs and hooks, what is wrong and what to write.
func (p positions) decodeError(err error) error {
	var errs []error
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line == "" || strings.HasPrefix(line, "decoding failed") || strings.HasSuffix(line, "error(s) decoding:") {
			continue
		}
		if i := strings.Index(line, "has invalid keys: "); i >= 0 {
			parent := strings.Trim(line[:i], "' ")
			if parent == "config.Config" { // mapstructure names the top by its type
				parent = ""
			}
			for _, k := range strings.Split(line[i+len("has invalid keys: "):], ", ") {
				full := normalizeIndex(k)
				if parent != "" {
					full = normalizeIndex(parent) + "." + full
				}
				loc := p.file
				if n := keyNode(p.root, strings.Split(full, ".")); n != nil {
					loc = fmt.Sprintf("%s:%d:%d", p.file, n.Line, n.Column)
				}
				if !plainKey.MatchString(full) || loc == p.file { // ".x: 1", "Y:, 0: 0": not found in the file, quoted as read
					errs = append(errs, fmt.Errorf("%s: unknown key %q%s", loc, full, p.unknownKeyHint(full)))
					continue
				}
				errs = append(errs, fmt.Errorf("%s: %s: unknown key%s", loc, p.label(full), p.unknownKeyHint(full)))
			}
			continue
		}
		key, msg := "", line
		if strings.HasPrefix(line, "'") {
			if end := strings.Index(line[1:], "'"); end >= 0 {
				key, msg = normalizeIndex(line[1:end+1]), strings.TrimSpace(line[end+2:])
			}
		}
		if key == "" {
			errs = append(errs, fmt.Errorf("%s: %s", p.at(key), line))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s: %s", p.at(key), p.label(key), p.typeMessage(key, msg)))
	}
	if len(errs) == 0 {
		return fmt.Errorf("%s: %w", p.file, err)
	}
	return errors.Join(errs...)
}

// emptyUnknown reports the unknown keys at the top whose value is empty (registr: {}), which viper
// drops before the decoder could call them unknown.
func (p positions) emptyUnknown() error {
	if p.root == nil || len(p.root.Content) == 0 || p.root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	keys := keysAt("")
	var errs []error
	m := p.root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		empty := v.ShortTag() == "!!null" || (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && len(v.Content) == 0
		if empty && !slices.Contains(keys, k.Value) {
			errs = append(errs, fmt.Errorf("%s:%d:%d: %s: unknown key%s", p.file, k.Line, k.Column, k.Value, p.unknownKeyHint(k.Value)))
		}
	}
	return errors.Join(errs...)
}

// plainKey is a dotted key as the config's keys are written.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$`)

// typeMessage says what a value of the wrong type should be, from the decoder's message.
func (p positions) typeMessage(key, msg string) string {
	value := ""
	if n := p.node(key); n != nil && n.Kind == yaml.ScalarNode {
		value = n.Value
	}
	switch {
	case strings.Contains(msg, errNoUnit.Error()) || strings.Contains(msg, "missing unit in duration"):
		return fmt.Sprintf("%q has no unit: write %ss (or %sm, %sh)", value, value, value, value)
	case strings.HasPrefix(msg, "time: "):
		return fmt.Sprintf("%q is not a duration: write a number and its unit, e.g. 5s, 10m, 1h", value)
	case strings.Contains(msg, "as 'int'") || strings.Contains(msg, "as 'uint'"):
		return fmt.Sprintf("%q is not a whole number", value)
	case strings.Contains(msg, "as 'bool'"):
		return fmt.Sprintf("%q: write true or false", value)
	}
	return msg
}

// errNoUnit is numberWithoutUnit's refusal.
var errNoUnit = errors.New("a duration without a unit")

// numberWithoutUnit refuses a small plain number where a duration goes (poll: 5 would be 5
// nanoseconds). A number of a millisecond or more stays nanoseconds, as config files written by a
// program (JSON of the config) have it; 0 stays 0.
func numberWithoutUnit(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Duration]() {
		return data, nil
	}
	var n float64
	switch v := reflect.ValueOf(data); from.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n = float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		n = v.Float()
	default:
		return data, nil
	}
	if n != 0 && math.Abs(n) < float64(time.Millisecond) {
		return nil, errNoUnit
	}
	return data, nil
}

// node is the YAML node of a dotted key, nil when the file does not give it.
func (p positions) node(key string) *yaml.Node {
	if p.root == nil || len(p.root.Content) == 0 {
		return nil
	}
	n := p.root.Content[0]
	for _, part := range strings.Split(key, ".") {
		if n = child(n, part); n == nil {
			return nil
		}
	}
	return n
}

// label writes a dotted key as every message does: an item of a list of named things (inputs,
// hooks) is followed by its name, "inputs.4 (shares).format".
func (p positions) label(key string) string {
	if key == "" || p.root == nil || len(p.root.Content) == 0 {
		return key
	}
	parts := strings.Split(key, ".")
	n := p.root.Content[0]
	var b strings.Builder
	for i, part := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
		if n != nil {
			n = child(n, part)
		}
		if n != nil && n.Kind == yaml.MappingNode && i > 0 && isIndex(part) {
			if name := child(n, "name"); name != nil && name.Kind == yaml.ScalarNode && name.Value != "" {
				fmt.Fprintf(&b, " (%s)", name.Value)
			}
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// normalizeIndex turns mapstructure's "inputs[2].paths" into "inputs.2.paths".
func normalizeIndex(k string) string {
	k = strings.ReplaceAll(k, "[", ".")
	return strings.ReplaceAll(k, "]", "")
}

// unknownKeyHint is what follows an unknown key's message: the key meant when it is misspelt, and the
// keys allowed where it stands.
func (p positions) unknownKeyHint(full string) string {
	parent, key := "", full
	if i := strings.LastIndex(full, "."); i >= 0 {
		parent, key = full[:i], full[i+1:]
	}
	keys := keysAt(parent)
	if len(keys) == 0 {
		return ""
	}
	where := "at the top"
	if parent != "" {
		where = "of " + p.label(parent)
	}
	return fmt.Sprintf("%s (the keys %s are %s)", DidYouMean(key, keys), where, strings.Join(keys, ", "))
}
