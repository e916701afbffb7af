package main

import (
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/tools/go/analysis"

	"github.com/knoxconform/knoxconform/analyzer"
	"github.com/knoxconform/knoxconform/internal/version"
)

// SARIF 2.1.0, the subset GitHub code scanning reads. Field meanings:
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html and
// https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	srcRootID    = "%SRCROOT%"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	ColumnKind         string                      `json:"columnKind"`
	Results            []sarifResult               `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleLevel `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Fixes     []sarifFix      `json:"fixes,omitempty"`
}

// sarifFix is one suggested fix: per file, the regions to replace.
type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLoc   `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion      `json:"deletedRegion"`
	InsertedContent *sarifArtifactCT `json:"insertedContent,omitempty"`
}

type sarifArtifactCT struct {
	Text string `json:"text"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           sarifRegion      `json:"region"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// writeSARIF writes one run: a rule per Knox rule ID and per stock vet
// analyzer that ran, and a result per finding, with file URIs relative to root.
func writeSARIF(w io.Writer, fs []*finding, ran []*analysis.Analyzer, root string) error {
	var rules []sarifRule
	index := map[string]int{}
	levels := map[string]string{}
	addRule := func(r sarifRule) {
		index[r.ID] = len(rules)
		levels[r.ID] = r.DefaultConfiguration.Level
		rules = append(rules, r)
	}
	for _, r := range analyzer.Rules() {
		name := r.Analyzer
		if name == "" {
			name = "knoxdirective"
		}
		addRule(sarifRule{
			ID:                   r.ID,
			Name:                 name + "/" + r.ID,
			ShortDescription:     sarifText{Text: r.Title},
			FullDescription:      sarifText{Text: summary(r.Doc())},
			Help:                 sarifText{Text: r.Doc(), Markdown: docMarkdown(r.Doc())},
			HelpURI:              r.URL(),
			DefaultConfiguration: sarifRuleLevel{Level: r.Level},
			Properties:           map[string]any{"tags": []string{"knox", "maintainability"}, "precision": "high"},
		})
	}
	knox := map[string]bool{}
	for _, a := range analyzer.All() {
		knox[a.Name] = true
	}
	for _, a := range ran {
		if knox[a.Name] {
			continue
		}
		addRule(sarifRule{
			ID:                   a.Name,
			Name:                 a.Name,
			ShortDescription:     sarifText{Text: summary(a.Doc)},
			FullDescription:      sarifText{Text: summary(a.Doc)},
			Help:                 sarifText{Text: a.Doc},
			HelpURI:              a.URL,
			DefaultConfiguration: sarifRuleLevel{Level: "warning"},
			Properties:           map[string]any{"tags": []string{"go-vet"}},
		})
	}

	absRoot, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	lines := newLineCache()
	results := []sarifResult{}
	for _, f := range fs {
		if f.fixed {
			continue // applied by -fix: nothing left to show
		}
		id := f.ruleID()
		i, ok := index[id]
		if !ok {
			// A category no rule lists: fall back to the analyzer, which has one.
			id = f.Analyzer.Name
			if i, ok = index[id]; !ok {
				addRule(sarifRule{ID: id, Name: id, ShortDescription: sarifText{Text: summary(f.Analyzer.Doc)},
					FullDescription: sarifText{Text: summary(f.Analyzer.Doc)}, Help: sarifText{Text: f.Analyzer.Doc},
					DefaultConfiguration: sarifRuleLevel{Level: "warning"}})
				i = index[id]
			}
		}
		uri, base := artifactURI(f.Posn.Filename, absRoot)
		region := sarifRegion{
			StartLine:   f.Posn.Line,
			StartColumn: lines.utf16Column(f.Posn.Filename, f.Posn.Line, f.Posn.Column),
		}
		if f.End.IsValid() && f.End.Filename == f.Posn.Filename {
			region.EndLine = f.End.Line
			region.EndColumn = lines.utf16Column(f.End.Filename, f.End.Line, f.End.Column)
		}
		results = append(results, sarifResult{
			RuleID:    id,
			RuleIndex: i,
			Level:     levels[id],
			Message:   sarifText{Text: f.Diag.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifactLoc{URI: uri, URIBaseID: base},
				Region:           region,
			}}},
			Fixes: sarifFixes(f, absRoot, lines),
		})
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "knoxvet",
				Version:        version.String(),
				InformationURI: analyzer.DocsURL,
				Rules:          rules,
			}},
			OriginalURIBaseIDs: map[string]sarifArtifactLoc{srcRootID: {URI: fileURI(absRoot) + "/"}},
			ColumnKind:         "utf16CodeUnits",
			Results:            results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// sarifFixes turns a finding's suggested fixes into SARIF fixes: the edits of
// each fix grouped by file, in the order they came, with UTF-16 columns like
// every other region of the log.
func sarifFixes(f *finding, absRoot string, lines *lineCache) []sarifFix {
	if f.Fset == nil {
		return nil
	}
	var fixes []sarifFix
	for _, sf := range f.Diag.SuggestedFixes {
		byFile := map[string]int{}
		var changes []sarifArtifactChange
		ok := true
		for _, e := range sf.TextEdits {
			start, end := f.Fset.PositionFor(e.Pos, false), f.Fset.PositionFor(e.End, false)
			if !e.End.IsValid() {
				end = start
			}
			if !start.IsValid() || start.Filename != end.Filename {
				ok = false
				break
			}
			k, seen := byFile[start.Filename]
			if !seen {
				uri, base := artifactURI(start.Filename, absRoot)
				k = len(changes)
				byFile[start.Filename] = k
				changes = append(changes, sarifArtifactChange{ArtifactLocation: sarifArtifactLoc{URI: uri, URIBaseID: base}})
			}
			r := sarifReplacement{DeletedRegion: sarifRegion{
				StartLine:   start.Line,
				StartColumn: lines.utf16Column(start.Filename, start.Line, start.Column),
				EndLine:     end.Line,
				EndColumn:   lines.utf16Column(end.Filename, end.Line, end.Column),
			}}
			if len(e.NewText) > 0 {
				r.InsertedContent = &sarifArtifactCT{Text: string(e.NewText)}
			}
			changes[k].Replacements = append(changes[k].Replacements, r)
		}
		if !ok || len(changes) == 0 {
			continue // an edit SARIF cannot place: leave the fix out rather than show a wrong one
		}
		fixes = append(fixes, sarifFix{Description: sarifText{Text: sf.Message}, ArtifactChanges: changes})
	}
	return fixes
}

// artifactURI makes name relative to root, as code scanning needs to match
// results across runs; a file outside root keeps an absolute file URI.
func artifactURI(name, root string) (uri, base string) {
	rel, err := filepath.Rel(root, name)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fileURI(name), ""
	}
	return (&url.URL{Path: filepath.ToSlash(rel)}).EscapedPath(), srcRootID
}

func fileURI(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// summary is the first line of a Doc.
func summary(doc string) string {
	first, _, _ := strings.Cut(doc, "\n")
	return strings.TrimSpace(first)
}

// lineCache converts Go's byte columns to the UTF-16 columns SARIF declares
// with columnKind; they differ only on lines with non-ASCII text.
type lineCache struct {
	files map[string][]string
}

func newLineCache() *lineCache { return &lineCache{files: map[string][]string{}} }

func (c *lineCache) utf16Column(name string, line, col int) int {
	ls, ok := c.files[name]
	if !ok {
		data, err := os.ReadFile(name)
		if err == nil {
			ls = strings.Split(string(data), "\n")
		}
		c.files[name] = ls
	}
	if line < 1 || line > len(ls) || col < 1 {
		return col
	}
	text := ls[line-1]
	if col-1 > len(text) {
		return col
	}
	units := 0
	for _, r := range text[:col-1] {
		if r >= 0x10000 && utf8.ValidRune(r) {
			units += 2
		} else {
			units++
		}
	}
	return units + 1
}
