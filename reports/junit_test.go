package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// xmlNode is a generic element tree for the structural check.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []xmlNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n xmlNode) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n xmlNode) children(name string) []xmlNode {
	var out []xmlNode
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
	}
	return out
}

// checkJUnitStructure checks what CI systems rely on, without xmllint: the
// element nesting, required attributes, counts that add up, and at most one
// outcome per testcase.
func checkJUnitStructure(b []byte) []string {
	var root xmlNode
	if err := xml.Unmarshal(b, &root); err != nil {
		return []string{"not well-formed XML: " + err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	if root.XMLName.Local != "testsuites" {
		bad("root is <%s>, want <testsuites>", root.XMLName.Local)
	}
	num := func(n xmlNode, name string) int {
		v, ok := n.attr(name)
		if !ok {
			bad("<%s %q> lacks attribute %s", n.XMLName.Local, first(n.attr("name")), name)
			return 0
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 {
			bad("<%s> attribute %s=%q is not a count", n.XMLName.Local, name, v)
		}
		return i
	}
	allowedSuite := map[string]bool{"properties": true, "testcase": true, "system-out": true, "system-err": true}
	allowedCase := map[string]bool{"properties": true, "failure": true, "error": true, "skipped": true, "system-out": true, "system-err": true}
	var total [4]int
	for _, c := range root.Nodes {
		if c.XMLName.Local != "testsuite" && c.XMLName.Local != "properties" {
			bad("unexpected <%s> under <testsuites>", c.XMLName.Local)
		}
	}
	for _, ts := range root.children("testsuite") {
		name, ok := ts.attr("name")
		if !ok || name == "" {
			bad("a testsuite has no name")
		}
		if _, err := strconv.ParseFloat(first(ts.attr("time")), 64); err != nil {
			bad("testsuite %q: time is not a number", name)
		}
		want := [4]int{num(ts, "tests"), num(ts, "failures"), num(ts, "errors"), num(ts, "skipped")}
		var got [4]int
		for _, c := range ts.Nodes {
			if !allowedSuite[c.XMLName.Local] {
				bad("testsuite %q: unexpected <%s>", name, c.XMLName.Local)
			}
		}
		for _, tc := range ts.children("testcase") {
			got[0]++
			for _, a := range []string{"name", "classname", "time"} {
				if _, ok := tc.attr(a); !ok {
					bad("testcase in %q lacks %s", name, a)
				}
			}
			outcomes := 0
			for _, c := range tc.Nodes {
				if !allowedCase[c.XMLName.Local] {
					bad("testcase %q: unexpected <%s>", first(tc.attr("name")), c.XMLName.Local)
				}
				switch c.XMLName.Local {
				case "failure":
					got[1]++
					outcomes++
				case "error":
					got[2]++
					outcomes++
				case "skipped":
					got[3]++
					outcomes++
				}
			}
			if outcomes > 1 {
				bad("testcase %q has %d outcomes", first(tc.attr("name")), outcomes)
			}
		}
		if got != want {
			bad("testsuite %q: attributes say tests/failures/errors/skipped %v, its testcases %v", name, want, got)
		}
		for i := range total {
			total[i] += got[i]
		}
	}
	if got := [4]int{num(root, "tests"), num(root, "failures"), num(root, "errors"), num(root, "skipped")}; got != total {
		bad("testsuites totals %v, sum of suites %v", got, total)
	}
	return problems
}

func first(s string, _ bool) string { return s }

func junitOf(t *testing.T, s *Summary) []byte {
	t.Helper()
	b, err := JUnit(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func findCase(t *testing.T, b []byte, id string) xmlNode {
	t.Helper()
	var root xmlNode
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	for _, ts := range root.children("testsuite") {
		for _, tc := range ts.children("testcase") {
			if v, _ := tc.attr("name"); v == id {
				return tc
			}
		}
	}
	t.Fatalf("no testcase named %q in junit.xml", id)
	return xmlNode{}
}

func TestJUnitMapsClasses(t *testing.T) {
	s := sampleSummary()
	b := junitOf(t, s)
	if p := checkJUnitStructure(b); len(p) > 0 {
		t.Fatalf("junit.xml is malformed:\n%s", strings.Join(p, "\n"))
	}

	fail := findCase(t, b, "ratelimit/429/retry-after-seconds")
	if cn, _ := fail.attr("classname"); cn != "ratelimit" {
		t.Errorf("classname = %q, want the area ratelimit", cn)
	}
	f := fail.children("failure")
	if len(f) != 1 {
		t.Fatalf("FAIL case has %d <failure>, want 1", len(f))
	}
	for _, want := range []string{"Expected: next attempt ≥ 1000 ms", "Actual:   next attempt 120 ms", "Attempt timeline", "429", "120"} {
		if !strings.Contains(f[0].Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, f[0].Text)
		}
	}

	ns := findCase(t, b, "server/500/backoff-grows")
	if len(ns.children("failure")) != 0 {
		t.Error("NON-STRICT case is a failure without --strict")
	}
	if !strings.Contains(string(mustMarshal(t, ns)), `name="non-strict"`) {
		t.Error("NON-STRICT case lacks the non-strict property")
	}
	// What CI renderers show: a skipped outcome whose type and message say
	// NON-STRICT and name the SHOULD check, with the full account as output.
	if sk := ns.children("skipped"); len(sk) != 1 || first(sk[0].attr("type")) != "NON-STRICT" ||
		!strings.HasPrefix(first(sk[0].attr("message")), "NON-STRICT: SHOULD ") {
		t.Errorf("NON-STRICT case should be <skipped type=\"NON-STRICT\"> naming its SHOULD check, got %s", mustMarshal(t, ns))
	}
	if out := ns.children("system-out"); len(out) != 1 || !strings.Contains(out[0].Text, "SHOULD check failed") {
		t.Errorf("NON-STRICT case lacks its account in <system-out>, got %s", mustMarshal(t, ns))
	}
	if !strings.Contains(string(b), `name="non-strict.cases" value="1"`) {
		t.Error("the run's properties do not count the NON-STRICT cases")
	}

	un := findCase(t, b, "sa/AUT_1802/no-retry")
	if sk := un.children("skipped"); len(sk) != 1 || !strings.Contains(first(sk[0].attr("message")), "sa.exchangeCode not implemented") {
		t.Errorf("UNSUPPORTED case should be skipped with its reason, got %+v", un.children("skipped"))
	}
	er := findCase(t, b, "network/reset/idempotent")
	if len(er.children("error")) != 1 {
		t.Error("ERROR case should carry <error>")
	}

	s.Run.Strict = true
	Finalize(s)
	strict := junitOf(t, s)
	if sc := findCase(t, strict, "server/500/backoff-grows"); len(sc.children("failure")) != 1 || len(sc.children("skipped")) != 0 {
		t.Error("NON-STRICT case is not (only) a failure under --strict")
	}
	if p := checkJUnitStructure(strict); len(p) > 0 {
		t.Fatalf("strict junit.xml is malformed:\n%s", strings.Join(p, "\n"))
	}
}

func mustMarshal(t *testing.T, n xmlNode) []byte {
	t.Helper()
	b, err := xml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The structural check must be able to fail.
func TestJUnitStructureCheckCatchesBadCounts(t *testing.T) {
	b := junitOf(t, sampleSummary())
	broken := strings.Replace(string(b), `failures="2"`, `failures="7"`, 1)
	if broken == string(b) {
		t.Fatal("test fixture no longer has failures=\"2\"")
	}
	if p := checkJUnitStructure([]byte(broken)); len(p) == 0 {
		t.Error("a testsuite whose failures attribute lies passed the structural check")
	}
}

func xmllint(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("KNOXCONFORM_REQUIRE_XMLLINT") != "" {
			t.Fatal("xmllint is not on PATH and KNOXCONFORM_REQUIRE_XMLLINT is set: install Debian's libxml2-utils")
		}
		t.Skip("xmllint not on PATH: install Debian's libxml2-utils to validate junit.xml against testdata/junit.xsd (the Go structural check still ran)")
	}
	return p
}

func TestJUnitValidatesAgainstXSD(t *testing.T) {
	lint := xmllint(t)
	dir := t.TempDir()
	s := sampleSummary()
	s.Cases[1].Stderr += "\x1b[31mcoloured\x1b[0m and a NUL \x00 byte"
	s.Run.Interrupted = true
	Finalize(s)
	for name, b := range map[string][]byte{"junit.xml": junitOf(t, s), "empty.xml": junitOf(t, &Summary{})} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(lint, "--noout", "--schema", "testdata/junit.xsd", path).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate against testdata/junit.xsd: %v\n%s", name, err, out)
		}
	}
	// The schema must reject what CI would reject.
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(`<testsuites tests="1" failures="0" errors="0"><testsuite name="a" tests="1" failures="0" errors="0" skipped="0" time="0"><testcase classname="a" time="0"/></testsuite></testsuites>`), 0o644)
	if out, err := exec.Command(lint, "--noout", "--schema", "testdata/junit.xsd", bad).CombinedOutput(); err == nil {
		t.Errorf("a testcase without a name validated:\n%s", out)
	}
}
