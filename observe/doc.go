package observe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/knoxconform/knoxconform/knoxtest"
)

// WriteDoc writes docs/observe.md: the environment COMMAND gets, the fault
// classes with the rules that judge each, and the run-wide rules, all from
// the tables the code runs on.
func WriteDoc(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`<!-- Generated from package observe by 'make docs'; do not edit. -->
# knoxconform observe — judging a client by its own command

` + "```sh" + `
knoxconform observe [flags] -- COMMAND [ARGS...]
knoxconform observe -- npm test
knoxconform observe --faults ratelimit,resign --seed 42 -- ./integration-test.sh
knoxconform observe --plan knoxconform-report/observe-plan.json -- python3 -m pytest tests/knox
` + "```" + `

No adapter is needed. knoxconform starts the simulated Knox Cloud with fresh credentials, runs
COMMAND — the client's own integration tests, a script, a CLI — with those credentials in the
environment, injects a plan of documented faults into the traffic COMMAND makes, and judges what
the client did after each fault with the same rules, classes, exit codes and report files as
` + "`knoxconform run`" + ` (junit.xml, summary.json, report.html with a timeline per case, summary.md),
plus ` + "`" + PlanFile + "`" + `, the plan, which ` + "`--plan`" + ` reads back to repeat a run exactly.

COMMAND runs without a shell, in its own process group, with knoxconform's environment plus the
variables below (inherited ` + "`KNOX_*`" + ` variables of these names are replaced, so a run never reaches
a real tenant by accident), and stdin from /dev/null. It is stopped, with everything it started,
after ` + "`--timeout`" + `, or once it has sent more than ` + "`--max-requests`" + ` requests (a retry loop; what it sent
is still judged).
Its output is shown as it comes; its exit status is recorded in the reports and shown, never
judged: a correct client may well fail its own tests when it surfaces the injected faults.

## Environment

| Variable | Config file key | Holds |
|---|---|---|
`)
	for _, v := range envVars {
		key := "—"
		if v.ConfigKey != "" {
			key = "`" + v.ConfigKey + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, key, v.Meaning)
	}
	b.WriteString(`
The config file is JSON, readable only by its owner (it holds the client secret); ` + "`--config-file`" + `
puts it where a tool expects it, otherwise it lives in a temporary directory for the run.

## Fault classes

` + "`--faults`" + ` selects classes (default: all). ` + "`--seed N`" + ` chooses where each goes (printed and recorded;
the same seed gives the same plan). The token fault goes on the first token request; the others on
device-list calls from the second on, two or three calls apart, so a client's retry of one fault
never meets the next. With every class, the last device-list fault lands on request 12 to 18 to
that route (a retry counts as a request); the printed plan says exactly where.

| Class | Injected | On | Judged (level: rule) |
|---|---|---|---|
`)
	for _, c := range classes {
		var rs []string
		for _, r := range c.checks(c.routes[0]) {
			rs = append(rs, fmt.Sprintf("%s: %s", r.level, r.req.Expected))
		}
		var routes []string
		for _, r := range c.routes {
			routes = append(routes, "`"+string(r)+"`")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.name, c.injects, strings.Join(routes, " or "), mdCell(strings.Join(rs, "<br>")))
	}
	b.WriteString(`
What "followed a fault" means, for a judge that sees only the server's side:

- a retry is a later request to the same route with the same method, path and query, up to the
  first one that succeeds; a command that repeats an identical call right after a failure is judged
  as retrying it, so let the test's calls differ (a page number, a body) or space them out;
- after 4002250, the following token requests up to the first that succeeds;
- after 4032251, every request up to the first success on the faulted route (the refresh and the
  retry);
- never past the next injected fault, whose own case judges what follows it.

A fault planned for a request COMMAND never made is UNSUPPORTED with the reason "not exercised",
never PASS. Where a rule needs what a client reports to its caller (the surfaced code, success
after recovery), only ` + "`run`" + ` can judge it: observe sees no outcomes.

## Run-wide rules

Judged on the whole journal. A rule with nothing to judge (no JWT, no token request) is
UNSUPPORTED, not exercised. When COMMAND met none of the planned faults, a run-wide rule that
held is also UNSUPPORTED, so such a run is "NO CASES RAN" (exit 3) rather than CONFORMANT; a rule
that failed still fails the run.

| Case | Level | Rule |
|---|---|---|
`)
	for _, w := range runWide(knoxtest.Credentials{}) {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", w.id, w.rule.level, mdCell(w.requirement))
	}
	b.WriteString(`
## Plan files

` + "```json" + `
` + examplePlan() + `
` + "```" + `

` + "`nth`" + ` counts the requests to ` + "`route`" + ` from 1; a fault without a route gets its class's usual one.
One fault per request.

## Exit status

0 conformant, 1 not conformant (a MUST failed, or a SHOULD under ` + "`--strict`" + `), 2 harness or
usage error (COMMAND did not start, a bad flag or plan), 3 nothing judged.
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// examplePlan is a small plan file, as LoadPlan reads it.
func examplePlan() string {
	p := Plan{Faults: []PlannedFault{
		{Class: ClassResign, Route: knoxtest.RouteAccessToken, Nth: 1},
		{Class: ClassRetryAfter, Route: knoxtest.RouteListDevices, Nth: 3},
	}}
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b)
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
