// Command mutation measures the mutation score of the reference Knox client:
// every single-point mutant of fixtures/clients/reference/knoxclient (package
// internal/mutation makes them), judged by the whole conformance suite with
// --strict semantics, run in-process against the mutated client
// (fixtures/clients/reference/oracle). `make mutation` runs it; see
// docs/mutation.md.
//
// Each mutant is one `go test -c -overlay` build of the oracle (the overlay
// swaps one file for its mutated copy; the working tree is never touched) and
// one run of it with -ginkgo.fail-fast. A first failure is confirmed by running
// the failing case again alone, twice, so a timing check that a loaded machine
// missed does not count as a kill.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/knoxconform/knoxconform/internal/mutation"
	"github.com/knoxconform/knoxconform/reports"
)

const (
	oracleTest = "^TestSuiteConformsStrict$"
	enableEnv  = "KNOXCONFORM_ORACLE"
	reportEnv  = "KNOXCONFORM_ORACLE_REPORT_DIR"
	casesEnv   = "KNOXCONFORM_ORACLE_CASES"
	subject    = "the reference client (knoxclient; suite --strict, in-process)"
)

type config struct {
	pkg, oracle, equivalents, out string
	rescore, resume               string
	files, ops, only              string
	runs, builds                  int
	timeout                       time.Duration
	list, allCases                bool
	limit                         int
	min                           float64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.pkg, "pkg", "./fixtures/clients/reference/knoxclient", "directory of the package to mutate")
	flag.StringVar(&cfg.oracle, "oracle", "./fixtures/clients/reference/oracle", "package whose TestSuiteConformsStrict is the oracle")
	flag.StringVar(&cfg.equivalents, "equivalents", "fixtures/clients/reference/EQUIVALENT-MUTANTS.md", "the reviewed list of equivalent mutants")
	flag.StringVar(&cfg.out, "out", "mutation-report", "directory for report.md, report.json and score.txt")
	flag.StringVar(&cfg.files, "files", "", "mutate only these files (comma-separated base names, e.g. retry.go); default every file")
	flag.StringVar(&cfg.ops, "ops", "", "only these operators (comma-separated: "+opNames()+"); default all")
	flag.StringVar(&cfg.only, "only", "", "only mutants whose ID contains this text")
	flag.IntVar(&cfg.runs, "runs", 4, "oracle runs at once (they mostly wait on timers)")
	flag.IntVar(&cfg.builds, "builds", 2, "mutant builds at once (each is a CPU-bound go test -c)")
	flag.DurationVar(&cfg.timeout, "timeout", 0, "time limit of one oracle run (default: twice the unmutated run, plus a minute)")
	flag.BoolVar(&cfg.list, "list", false, "list the mutants (ID, line, before → after) and exit without running anything")
	flag.BoolVar(&cfg.allCases, "all-cases", false, "judge every mutant with every case, not only the cases that execute its line")
	flag.IntVar(&cfg.limit, "limit", 0, "judge at most this many mutants (0: all), for a quick look")
	flag.StringVar(&cfg.rescore, "rescore", "", "re-apply the equivalent list to an earlier run's report.json instead of running (after reviewing survivors)")
	flag.StringVar(&cfg.resume, "resume", "", "take the verdicts of an interrupted run from its progress.jsonl and judge only the rest")
	flag.Float64Var(&cfg.min, "min", 0, "exit 1 when the adjusted score (percent) is below this")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(1)
	}
}

func opNames() string {
	var s []string
	for _, op := range mutation.Operators {
		s = append(s, string(op))
	}
	return strings.Join(s, ",")
}

func run(cfg config) error {
	if cfg.runs < 1 || cfg.builds < 1 {
		return fmt.Errorf("-runs %d -builds %d: give at least 1 of each", cfg.runs, cfg.builds)
	}
	pkg, err := mutation.Load(cfg.pkg, splitList(cfg.files))
	if err != nil {
		return err
	}
	ms, err := selectMutants(pkg.Mutants, cfg)
	if err != nil {
		return err
	}
	complete := cfg.files == "" && cfg.ops == "" && cfg.only == "" && cfg.limit == 0
	eqData, err := os.ReadFile(cfg.equivalents)
	if err != nil {
		return fmt.Errorf("the reviewed equivalent list: %w (create it, even empty, beside the package)", err)
	}
	eqs, err := mutation.ParseEquivalents(cfg.equivalents, eqData)
	if err != nil {
		return err
	}
	eqByID, eqErrs := mutation.CheckEquivalents(eqs, pkg.Mutants, complete)
	if len(eqErrs) > 0 {
		return fmt.Errorf("%s is out of date:\n  %s", cfg.equivalents, strings.Join(eqErrs, "\n  "))
	}
	if cfg.rescore != "" {
		// The same selection flags as the earlier run: it must have judged
		// exactly the mutants selected now.
		return rescore(cfg, ms, eqByID)
	}
	if cfg.list {
		for _, m := range ms {
			before, after := m.Lines(pkg.Files[m.Path])
			mark := ""
			if _, ok := eqByID[m.ID]; ok {
				mark = " [listed equivalent]"
			}
			fmt.Printf("%s%s\n    %s:%d  %s  →  %s\n", m.ID, mark, m.File, m.Line, before, after)
		}
		fmt.Printf("%d mutants (%d not viable left out)\n", len(ms), len(pkg.NotViable))
		return nil
	}

	tmp, err := os.MkdirTemp("", "knoxconform-mutation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	oracleDir, err := filepath.Abs(cfg.oracle)
	if err != nil {
		return err
	}

	// The unmutated reference, with coverage per case: it must conform (else no
	// mutant can be judged), its time sets the limit, and each mutant is judged
	// by the cases that execute its line.
	fmt.Printf("mutation: %d mutants of %s (%d not viable); the suite on the unmutated client first, recording what each case executes\n", len(ms), pkg.Path, len(pkg.NotViable))
	start := time.Now()
	cc, err := caseCoverage(cfg, pkg.Path, tmp, oracleDir)
	if err != nil {
		return err
	}
	baseDur := time.Since(start)
	limit := cfg.timeout
	if limit == 0 {
		limit = 2*baseDur + time.Minute
	}
	fmt.Printf("mutation: unmutated client CONFORMANT (%d cases, %.1f s with coverage); limit per mutant %s, %d runs at once\n", len(cc), baseDur.Seconds(), limit.Round(time.Second), cfg.runs)

	results := make([]mutation.Result, len(ms))
	cases := make([][]string, len(ms))
	allCases := slices.Sorted(maps.Keys(cc))
	var toRun []int
	for i, m := range ms {
		before, after := m.Lines(pkg.Files[m.Path])
		results[i] = mutation.Result{Mutant: m, Before: before, After: after}
		ids, known := cc.Cases(m)
		switch {
		case known && len(ids) == 0 && m.QuirkGuarded:
			results[i].Class = mutation.QuirkOnly
		case known && len(ids) == 0:
			results[i].Class = mutation.NotCovered
		default:
			if cfg.allCases || !known {
				ids = allCases
			}
			cases[i] = ids
			toRun = append(toRun, i)
		}
	}
	for _, m := range pkg.NotViable {
		if cfg.selects(m) {
			results = append(results, mutation.Result{Mutant: m, Class: mutation.NotViable})
		}
	}

	if cfg.resume != "" {
		prev, err := resumed(cfg.resume)
		if err != nil {
			return err
		}
		var left []int
		for _, i := range toRun {
			j, ok := prev[ms[i].ID]
			if !ok {
				left = append(left, i)
				continue
			}
			r := &results[i]
			r.Class, r.KilledBy, r.Note, r.Seconds = mutation.Class(j.Judged), j.KilledBy, j.Note, j.Seconds
			if r.Class == "" {
				r.Class = mutation.Class(j.Class)
			}
		}
		fmt.Printf("mutation: %d verdicts taken from %s, %d mutants left to judge\n", len(toRun)-len(left), cfg.resume, len(left))
		toRun = left
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	if cfg.resume == "" {
		// A fresh run: the progress of an earlier one must not mix in.
		if err := os.Remove(filepath.Join(cfg.out, progressFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	judge(cfg, pkg, ms, results, cases, toRun, tmp, oracleDir, limit)

	return finish(cfg, results, eqByID)
}

// finish applies the reviewed equivalent list to what the oracle decided,
// writes the reports and prints the score line.
func finish(cfg config, results []mutation.Result, eqByID map[string]mutation.EquivalentEntry) error {
	var problems []string
	for i := range results {
		r := &results[i]
		r.Judged = r.Class
		e, listed := eqByID[r.Mutant.ID]
		switch {
		case !listed:
		case r.Class == mutation.Survived || r.Class == mutation.NotCovered:
			r.Class, r.Note = e.Class, e.Reason
		case r.Class == mutation.Killed || r.Class == mutation.TimedOut:
			problems = append(problems, fmt.Sprintf("%q is listed as equivalent (line %d) but the suite kills it (%s): it is not equivalent; remove the entry", r.Mutant.ID, e.Line, r.KilledBy))
		}
	}
	if err := writeReports(cfg.out, results, problems); err != nil {
		return err
	}
	t := mutation.Count(results)
	fmt.Println(t.ScoreLine(subject))
	fmt.Printf("mutation: report in %s (report.md lists every survivor)\n", filepath.Join(cfg.out, "report.md"))
	if len(problems) > 0 {
		return fmt.Errorf("the equivalent list is wrong:\n  %s", strings.Join(problems, "\n  "))
	}
	if pct, ok := t.Score(); cfg.min > 0 && (!ok || pct < cfg.min) {
		return fmt.Errorf("adjusted score %.1f %% is below -min %.1f %%", pct, cfg.min)
	}
	return nil
}

// rescore re-applies the equivalent list to the verdicts of an earlier run
// (its report.json), without building or running anything. The earlier run
// must have judged exactly the mutants the code has now.
func rescore(cfg config, ms []*mutation.Mutant, eqByID map[string]mutation.EquivalentEntry) error {
	data, err := os.ReadFile(cfg.rescore)
	if err != nil {
		return fmt.Errorf("-rescore: %w", err)
	}
	var rep struct {
		Mutants []jsonResult `json:"mutants"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("-rescore %s: not a report.json of this driver: %w", cfg.rescore, err)
	}
	byID := map[string]*mutation.Mutant{}
	for _, m := range ms {
		byID[m.ID] = m
	}
	var results []mutation.Result
	for _, j := range rep.Mutants {
		class := mutation.Class(j.Judged)
		if class == "" {
			class = mutation.Class(j.Class)
		}
		m := byID[j.ID]
		if m == nil {
			if class != mutation.NotViable {
				return fmt.Errorf("-rescore: %q of the earlier run is not among the mutants selected now: give the flags (-files, -ops, -only, -limit) of that run, or, if the code changed, run `make mutation` again", j.ID)
			}
			m = &mutation.Mutant{ID: j.ID, File: j.File, Func: j.Func, Op: mutation.Operator(j.Op), Line: j.Line}
		}
		delete(byID, j.ID)
		note := j.Note
		if mutation.Class(j.Class) == mutation.Equivalent {
			note = ""
		}
		results = append(results, mutation.Result{Mutant: m, Class: class, KilledBy: j.KilledBy, Note: note, Before: j.Before, After: j.After, Seconds: j.Seconds})
	}
	if len(byID) > 0 {
		return fmt.Errorf("-rescore: %d mutants selected now were not judged by the earlier run (give the same -files/-ops/-only/-limit, or the code changed: run `make mutation` again)", len(byID))
	}
	return finish(cfg, results, eqByID)
}

// judge builds cfg.builds mutants at a time and runs up to cfg.runs oracles at once.
func judge(cfg config, pkg *mutation.Package, ms []*mutation.Mutant, results []mutation.Result, cases [][]string, toRun []int, tmp, oracleDir string, limit time.Duration) {
	type built struct {
		i   int
		bin string
		err error
		out []byte
	}
	queue := make(chan built, cfg.runs)
	next := make(chan int)
	go func() {
		defer close(next)
		for _, i := range toRun {
			next <- i
		}
	}()
	var builders sync.WaitGroup
	for range cfg.builds {
		builders.Add(1)
		go func() {
			defer builders.Done()
			for i := range next {
				b := built{i: i}
				b.bin, b.out, b.err = buildMutant(ms[i], pkg.Files[ms[i].Path], cfg.oracle, filepath.Join(tmp, fmt.Sprintf("m%d", i)))
				queue <- b
			}
		}()
	}
	go func() {
		builders.Wait()
		close(queue)
	}()
	var mu sync.Mutex
	done := 0
	progress, perr := os.OpenFile(filepath.Join(cfg.out, progressFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if perr != nil {
		fmt.Fprintf(os.Stderr, "mutation: %v (no progress file: an interrupted run cannot be resumed)\n", perr)
	} else {
		defer progress.Close()
	}
	var wg sync.WaitGroup
	for range cfg.runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range queue {
				r := &results[b.i]
				if b.err != nil {
					r.Class, r.Note = mutation.NotViable, "build failed: "+firstLine(string(b.out))
				} else {
					judgeOne(r, b.bin, oracleDir, filepath.Dir(b.bin), cases[b.i], limit)
				}
				os.RemoveAll(filepath.Dir(b.bin))
				mu.Lock()
				done++
				by := ""
				if r.KilledBy != "" {
					by = " by " + r.KilledBy
				}
				fmt.Printf("[%d/%d] %-10s %s%s (%.0f s)\n", done, len(toRun), r.Class, r.Mutant.ID, by, r.Seconds)
				if progress != nil {
					line, _ := json.Marshal(toJSON(*r))
					_, _ = progress.Write(append(line, '\n'))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// judgeOne runs the oracle on one built mutant, on cases (the cases that execute
// its line), and confirms a failure by running the failing case again alone.
// A failure that does not repeat is set aside and the remaining cases are run
// again (at most maxFlaky times), so one timing check missed under load
// neither kills the mutant nor stops it being judged by the other cases.
func judgeOne(r *mutation.Result, bin, oracleDir, dir string, cases []string, limit time.Duration) {
	const maxFlaky = 3
	start := time.Now()
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	remaining := cases
	var flaky []string
	for round := 0; ; round++ {
		first := runOracle(context.Background(), bin, oracleDir, filepath.Join(dir, fmt.Sprintf("run%d", round)), strings.Join(remaining, ","), limit, "-ginkgo.fail-fast")
		switch {
		case first.timedOut:
			r.Class, r.KilledBy = mutation.TimedOut, "time limit"
			return
		case first.passed:
			r.Class = mutation.Survived
			if len(flaky) > 0 {
				r.Note = fmt.Sprintf("%s failed once and passed when run again alone (not counted as a kill); every other case passed", strings.Join(flaky, ", "))
			}
			return
		case len(first.failing) == 0:
			// The process died before the suite wrote its summary: a panic in a
			// goroutine of the client takes the whole adapter down, which any run
			// of the suite reports.
			r.Class, r.KilledBy, r.Note = mutation.Killed, "crash", firstLine(first.describe())
			return
		}
		id := first.failing[0]
		if confirmed(bin, oracleDir, filepath.Join(dir, fmt.Sprintf("confirm%d", round)), id, limit) {
			r.Class, r.KilledBy = mutation.Killed, id
			return
		}
		flaky = append(flaky, id)
		remaining = slices.DeleteFunc(slices.Clone(remaining), func(c string) bool { return c == id })
		if len(flaky) == maxFlaky || len(remaining) == 0 {
			r.Class = mutation.Survived
			r.Note = fmt.Sprintf("%s each failed once and passed when run again alone: not counted as kills (cases left unjudged after %d such failures: %d)", strings.Join(flaky, ", "), len(flaky), len(remaining))
			return
		}
	}
}

// confirmRuns is how many times in a row a failing case must fail again alone
// to count as a kill. Once was not enough on a machine with a load average of
// 30: a timing check (an upper bound) failed twice in a row for a mutant that
// passes when the machine is less loaded.
const confirmRuns = 2

func confirmed(bin, oracleDir, dir, id string, limit time.Duration) bool {
	for i := range confirmRuns {
		if runOracle(context.Background(), bin, oracleDir, fmt.Sprintf("%s-%d", dir, i), id, limit, "").passed {
			return false
		}
	}
	return true
}

// caseCoverage builds command casecover with coverage, runs it on the unmutated
// client, and reads one profile per case.
func caseCoverage(cfg config, pkgPath, tmp, oracleDir string) (mutation.CaseCoverage, error) {
	bin := filepath.Join(tmp, "casecover")
	if out, err := goCmd("build", "-cover", "-covermode=atomic", "-o", bin, cfg.oracle+"/casecover").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the per-case coverage run: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "cases")
	gocover := filepath.Join(tmp, "gocover")
	if err := os.MkdirAll(gocover, 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-dir", dir, "-report-dir", filepath.Join(tmp, "baseline"))
	cmd.Dir = oracleDir
	cmd.Env = append(os.Environ(), "GOCOVERDIR="+gocover)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("the suite fails on the UNMUTATED client, so no mutant can be judged; fix the suite or the reference first (%v):\n%s", err, tail(string(out), 3000))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("the per-case coverage: %w", err)
	}
	cc := mutation.CaseCoverage{}
	for _, e := range entries {
		txt := filepath.Join(tmp, e.Name()+".cover")
		if out, err := goCmd("tool", "covdata", "textfmt", "-i="+filepath.Join(dir, e.Name()), "-o="+txt).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go tool covdata textfmt %s: %v\n%s", e.Name(), err, out)
		}
		data, err := os.ReadFile(txt)
		if err != nil {
			return nil, err
		}
		cov, err := mutation.ParseCoverProfile(data, pkgPath)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", txt, err)
		}
		cc[strings.ReplaceAll(e.Name(), "__", "/")] = cov
	}
	if len(cc) == 0 {
		return nil, errors.New("the per-case coverage run recorded no case")
	}
	return cc, nil
}

func buildMutant(m *mutation.Mutant, orig []byte, oraclePkg, dir string) (string, []byte, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	mutated := filepath.Join(dir, m.File)
	if err := os.WriteFile(mutated, m.Source(orig), 0o644); err != nil {
		return "", nil, err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {m.Path: mutated}})
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "oracle.test")
	out, err := goCmd("test", "-c", "-overlay", overlay, "-o", bin, oraclePkg).CombinedOutput()
	return bin, out, err
}

type oracleRun struct {
	passed   bool
	timedOut bool
	failing  []string // case IDs not PASS (FAIL, NON-STRICT, ERROR), in report order
	output   string
	err      error
}

func (o oracleRun) describe() string {
	switch {
	case o.timedOut:
		return "timed out"
	case o.err != nil:
		return o.err.Error() + ": " + lastLines(o.output, 3)
	case len(o.failing) > 0:
		return "cases not PASS: " + strings.Join(o.failing, ", ")
	}
	return "passed"
}

// runOracle runs the oracle binary once; cases narrows it to one --cases glob.
func runOracle(ctx context.Context, bin, dir, reportDir, cases string, limit time.Duration, extra ...string) oracleRun {
	ctx, cancel := context.WithTimeout(ctx, limit+30*time.Second)
	defer cancel()
	args := []string{"-test.run=" + oracleTest, "-test.count=1", "-test.timeout=" + limit.String(), "-ginkgo.no-color"}
	for _, e := range extra {
		if e != "" {
			args = append(args, e)
		}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), enableEnv+"=1", reportEnv+"="+reportDir, casesEnv+"="+cases)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	o := oracleRun{output: out.String()}
	if ctx.Err() != nil || strings.Contains(o.output, "panic: test timed out") {
		o.timedOut = true
		return o
	}
	sum, lerr := reports.Load(filepath.Join(reportDir, reports.SummaryJSONFile))
	if lerr == nil {
		for _, c := range sum.Cases {
			switch c.Class {
			case reports.Fail, reports.NonStrict, reports.Error:
				o.failing = append(o.failing, c.ID)
			}
		}
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		o.passed = true
	case errors.As(err, &exit):
		if lerr != nil {
			o.err = fmt.Errorf("the oracle exited %d without a summary", exit.ExitCode())
		}
	default:
		o.err = err
	}
	return o
}

func goCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Stderr = nil
	return cmd
}

// selects reports whether -ops and -only keep m (-files applies when loading).
func (cfg config) selects(m *mutation.Mutant) bool {
	ops := splitList(cfg.ops)
	return (len(ops) == 0 || slices.Contains(ops, string(m.Op))) && strings.Contains(m.ID, cfg.only)
}

func selectMutants(all []*mutation.Mutant, cfg config) ([]*mutation.Mutant, error) {
	ops := map[mutation.Operator]bool{}
	for _, o := range splitList(cfg.ops) {
		known := false
		for _, k := range mutation.Operators {
			known = known || string(k) == o
		}
		if !known {
			return nil, fmt.Errorf("-ops: no operator %q (known: %s)", o, opNames())
		}
		ops[mutation.Operator(o)] = true
	}
	var out []*mutation.Mutant
	for _, m := range all {
		if len(ops) > 0 && !ops[m.Op] || cfg.only != "" && !strings.Contains(m.ID, cfg.only) {
			continue
		}
		out = append(out, m)
		if cfg.limit > 0 && len(out) == cfg.limit {
			break
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no mutant selected: loosen -files, -ops or -only")
	}
	return out, nil
}

// jsonResult is one mutant in report.json. Class is the final class; Judged
// is what the oracle (or coverage) decided before the equivalent list applied.
type jsonResult struct {
	ID, File, Func, Op, Class, Judged, KilledBy, Note, Before, After string
	Line                                                             int
	Seconds                                                          float64
}

func toJSON(r mutation.Result) jsonResult {
	return jsonResult{ID: r.Mutant.ID, File: r.Mutant.File, Func: r.Mutant.Func, Op: string(r.Mutant.Op), Class: string(r.Class), Judged: string(r.Judged),
		KilledBy: r.KilledBy, Note: r.Note, Before: r.Before, After: r.After, Line: r.Mutant.Line, Seconds: r.Seconds}
}

// progressFile, in the report directory, gets one JSON line per judged mutant
// as the run goes; -resume reads it back.
const progressFile = "progress.jsonl"

// resumed reads a progress file of an interrupted run: mutant ID → verdict.
func resumed(path string) (map[string]jsonResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-resume: %w", err)
	}
	out := map[string]jsonResult{}
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var j jsonResult
		if err := json.Unmarshal([]byte(line), &j); err != nil || j.ID == "" {
			// The last line of a killed run may be cut short; anything else is not ours.
			return nil, fmt.Errorf("-resume %s:%d: not a progress line of this driver (%v)", path, n+1, err)
		}
		out[j.ID] = j
	}
	return out, nil
}

func writeReports(dir string, rs []mutation.Result, problems []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	var js []jsonResult
	for _, r := range rs {
		js = append(js, toJSON(r))
	}
	data, err := json.MarshalIndent(map[string]any{"score": mutation.Count(rs).ScoreLine(subject), "mutants": js, "problems": problems}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), data, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(mutation.Markdown(subject, rs, problems)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "score.txt"), []byte(mutation.Count(rs).ScoreLine(subject)+"\n"), 0o644)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
