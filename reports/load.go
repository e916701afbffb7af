package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Load reads a summary.json written by any knoxconform whose format version this
// one understands.
func Load(path string) (*Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the summary: %w", err)
	}
	s, err := ParseSummary(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSummary decodes summary.json bytes and checks the format version.
func ParseSummary(b []byte) (*Summary, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("the file is empty; expected a summary.json written by knoxconform")
	}
	if b[0] == '[' {
		return nil, errors.New("this is a JSON array, as in Ginkgo's report.json; knoxconform reads the summary.json written beside it")
	}
	var head struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("not a summary.json (invalid JSON: %v)", err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, errors.New(`no "schemaVersion" field: this is not a knoxconform summary.json (report.json is Ginkgo's format; diff the summary.json beside it)`)
	case *head.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("schemaVersion %d is newer than this knoxconform understands (%d): use a newer knoxconform", *head.SchemaVersion, SchemaVersion)
	case *head.SchemaVersion < 1:
		return nil, fmt.Errorf("schemaVersion %d is not a valid version (versions start at 1)", *head.SchemaVersion)
	}
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("summary.json does not match format version %d: %v", SchemaVersion, err)
	}
	if s.Counts == nil {
		s.Counts = map[Class]int{}
	}
	return &s, nil
}
