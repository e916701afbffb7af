package reports

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown renders summary.md, short enough for a CI job summary page: the
// verdict, the counts, one line per failing case, and the other artifacts.
func Markdown(s *Summary) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## knoxconform: %s\n\n", verdictLabel(s))
	r := s.Run
	fmt.Fprintf(&b, "Client **%s**, adapter %s, knoxconform %s, seed %d", md(softwareName(r.Client)), md(softwareName(r.Adapter)), md(orDefault(r.Knoxconform, "(unknown)")), r.Seed)
	if r.Strict {
		b.WriteString(", --strict")
	}
	b.WriteString(".\n\n")
	if r.Interrupted {
		b.WriteString("> **The run was interrupted** before every case ran: these results are partial.\n\n")
	}
	if r.HarnessError != "" {
		fmt.Fprintf(&b, "> **Harness error:** %s\n\n", md(oneLine(r.HarnessError)))
	}
	if c := r.Command; c != nil {
		fmt.Fprintf(&b, "Observed command `%s` exited with status **%d**", strings.ReplaceAll(oneLine(c.Line), "`", "'"), c.ExitStatus)
		if c.Note != "" {
			fmt.Fprintf(&b, " (%s)", md(oneLine(c.Note)))
		}
		b.WriteString(".\n\n")
	}

	b.WriteString("| class | cases |\n|---|---:|\n")
	for _, c := range Classes() {
		fmt.Fprintf(&b, "| %s | %d |\n", c, s.Counts[c])
	}
	b.WriteString("\n")

	var failures, should []string
	for _, c := range s.Cases {
		line := fmt.Sprintf("- `%s` **%s**: %s", c.Class, md(c.ID), md(caseLine(c)))
		switch {
		case failing(c.Class, r.Strict):
			failures = append(failures, line)
		case c.Class == NonStrict:
			should = append(should, line)
		}
	}
	if cov := Coverage(s); len(cov) > 0 {
		b.WriteString("### Coverage by authentication scheme and Knox service\n\n")
		b.WriteString("| | declared | cases | PASS | NON-STRICT | FAIL | UNSUPPORTED | ERROR | verdict |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n")
		for _, row := range cov {
			decl := "no"
			if row.Declared {
				decl = "yes"
			}
			fmt.Fprintf(&b, "| %s `%s` | %s | %d | %d | %d | %d | %d | %d | %s |\n", row.Kind, md(row.Name), decl, row.Cases,
				row.Counts[Pass], row.Counts[NonStrict], row.Counts[Fail]+row.Counts[ExpectedFail], row.Counts[Unsupported], row.Counts[Error], row.Verdict(r.Strict))
		}
		b.WriteString("\n")
	}
	list(&b, "Failing cases", failures)
	list(&b, "SHOULD not met (NON-STRICT: fails only under --strict)", should)
	var ups []string
	for _, c := range s.Cases {
		if c.UnexpectedPass {
			ups = append(ups, "`"+c.ID+"`")
		}
	}
	if len(ups) > 0 {
		fmt.Fprintf(&b, "### Unexpected passes\n\nListed in --expected-failures but passed; remove them from the list: %s\n\n", strings.Join(ups, ", "))
	}
	if r.Command != nil { // an observed run has no Ginkgo report
		fmt.Fprintf(&b, "Artifacts: `%s` (open in a browser: timelines per case), `%s`, `%s` (machine format).\n",
			HTMLFile, JUnitFile, SummaryJSONFile)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Artifacts: `%s` (open in a browser: timelines per case), `%s`, `%s` (machine format), `%s` (Ginkgo).\n",
		HTMLFile, JUnitFile, SummaryJSONFile, GinkgoJSONFile)
	return b.Bytes()
}

// caseLine says in one line why a case did not pass.
func caseLine(c CaseResult) string {
	if c.Class == Error || len(failedChecks(c)) == 0 {
		return oneLine(orDefault(c.Reason, c.Title))
	}
	ch := failedChecks(c)[0]
	return oneLine(fmt.Sprintf("%s: expected %s; got %s", ch.Name, ch.Expected, ch.Actual))
}

func verdictLabel(s *Summary) string {
	v := s.Verdict
	if v == "" {
		v = verdictOf(s)
	}
	return v
}

func softwareName(sw Software) string {
	return orDefault(strings.TrimSpace(sw.Name+" "+sw.Version), "(unknown)")
}

// md escapes the characters that would turn untrusted text into Markdown or HTML.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "|", `\|`, "#", `\#`,
)

func md(s string) string { return mdEscaper.Replace(s) }

// list writes a titled list of at most 50 lines; the rest is in report.html.
func list(b *bytes.Buffer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s\n\n", title)
	const max = 50
	for i, l := range lines {
		if i == max {
			fmt.Fprintf(b, "- … and %d more: see %s\n", len(lines)-max, HTMLFile)
			break
		}
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
}
