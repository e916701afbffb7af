package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

// ListConfig selects cases for `knoxconform list`, with the same meaning as
// the selection flags of `knoxconform run`.
type ListConfig struct {
	Cases       []string
	LabelFilter string
	// Format is table (default), json or markdown.
	Format string
}

// Formats are the output formats of list (and catalog).
var Formats = []string{"table", "json", "markdown"}

// SelectCases returns the cases a run with these --cases and --label-filter
// would run, in catalogue order. It asks Ginkgo itself (a dry preview of the
// suite), so list and run can never disagree. Call it at most once per
// process, and never in a process that also calls Run.
func SelectCases(cases []string, labelFilter string) ([]reports.Case, error) {
	all := suiteCases()
	if len(splitList(cases)) == 0 && labelFilter == "" {
		return all, nil
	}
	if labelFilter != "" {
		if _, err := types.ParseLabelFilter(labelFilter); err != nil {
			return nil, usagef("--label-filter %q is not a valid label filter: %v", labelFilter, plain(err.Error()))
		}
	}
	focus, _, err := focusFor(cases)
	if err != nil {
		return nil, err
	}
	if len(focus) == 0 && len(splitList(cases)) > 0 {
		return nil, nil
	}
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = labelFilter
	sc.FocusStrings = focus
	rc.NoColor = true
	suiteRegister(suiteOptions{Target: "list", RerunCommand: func(string) string { return "" }})
	report := ginkgo.PreviewSpecs(SuiteDescription, sc, rc)
	selected := map[string]bool{}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && sr.State == types.SpecStatePassed {
			if id := suiteCaseIDOf(sr); id != "" {
				selected[id] = true
			}
		}
	}
	var out []reports.Case
	for _, c := range all {
		if selected[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// List prints the selected cases in the chosen format.
func List(w io.Writer, lc ListConfig) error {
	format := lc.Format
	if format == "" {
		format = "table"
	}
	if !validFormat(format) {
		return usagef("--format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
	cases, err := SelectCases(lc.Cases, lc.LabelFilter)
	if err != nil {
		return err
	}
	return WriteCases(w, cases, format)
}

func validFormat(f string) bool {
	for _, v := range Formats {
		if f == v {
			return true
		}
	}
	return false
}

// WriteCases renders cases as a table, JSON array or Markdown table.
func WriteCases(w io.Writer, cases []reports.Case, format string) error {
	switch format {
	case "json":
		if cases == nil {
			cases = []reports.Case{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(cases)
	case "markdown":
		fmt.Fprintln(w, "| Case | Level | Requirement |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, c := range cases {
			fmt.Fprintf(w, "| `%s` | %s | %s |\n", c.ID, c.Level, mdCell(c.Requirement))
		}
		return nil
	default:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CASE\tLEVEL\tREQUIREMENT")
		for _, c := range cases {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ID, c.Level, oneLine(c.Requirement))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "%d cases\n", len(cases))
		return err
	}
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(oneLine(s))
}
