package assessment

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"testing"
)

// A problem of a facts file: file:line:col for what the decoder finds, the file and a key for what
// is missing or out of range.
var (
	factsAtLine = regexp.MustCompile(`^f\.json:(\d+):(\d+): `)
	factsAtKey  = regexp.MustCompile(`^f\.json: (security_incident|personal_data|subjects|category) `)
)

// FuzzReadFacts: ReadFacts never panics; a file it accepts is one JSON object, and the facts it
// read, written out and read again, are the same and lead to the same decision; every problem names
// the file and a line:col inside it, or a key.
func FuzzReadFacts(f *testing.F) {
	for _, s := range []string{
		`{"security_incident": true, "personal_data": true, "categories": ["bsn"], "subjects": 120,
"encrypted": false, "delivered": true, "retrieved_unopened": false, "remedied": false, "disproportionate_effort": false}`,
		`{"security_incident": false, "personal_data": true, "categories": ["health", "minors"], "subjects": 2, "delivered": null}`,
		"{\n  \"security_incident\": true,\n  \"personal_data\": true,\n  \"colour\": 1}",
		`{"security_incident": "yes", "personal_data": true}`,
		`{"personal_data": true, "subjects": -1, "categories": ["bsm"]}`,
		`{"security_incident": true, "personal_data": true} {"subjects": 3}`,
		`{"security_incident": true, "personal_data": true, "subjects": 1e3}`,
		"", "null", "[]", "{", "{\"subjects\": 99999999999999999999}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := ReadFacts(bytes.NewReader(data), "f.json")
		if err != nil {
			checkFactsProblems(t, data, err)
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted a file that is not one JSON value: %q", data)
		}
		Suggest(facts)
		want := Decide(facts)
		text, err := json.Marshal(facts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ReadFacts(bytes.NewReader(text), "f.json")
		if err != nil {
			t.Fatalf("accepted facts, written out, are not accepted: %v\n%s", err, text)
		}
		if !reflect.DeepEqual(facts, again) {
			t.Fatalf("facts change when written out and read again:\n%+v\n%+v", facts, again)
		}
		if got := Decide(again); !reflect.DeepEqual(got, want) {
			t.Fatalf("the same facts decide otherwise:\n%+v\n%+v", want, got)
		}
	})
}

func checkFactsProblems(t *testing.T, data []byte, err error) {
	t.Helper()
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, e := range list {
		msg := e.Error()
		if m := factsAtLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			col, _ := strconv.Atoi(m[2])
			if line < 1 || line > lines || col < 1 {
				t.Fatalf("problem at %d:%d of a file of %d lines: %q", line, col, lines, msg)
			}
			continue
		}
		if !factsAtKey.MatchString(msg) {
			t.Fatalf("problem names neither line:col nor key: %q", msg)
		}
	}
}
