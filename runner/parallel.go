package runner

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/ginkgo/command"
	"github.com/onsi/ginkgo/v2/ginkgo/run"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/conformance"
)

// A parallel run uses Ginkgo's own machinery: the parent calls Ginkgo's
// orchestrator (package ginkgo/run, what the ginkgo CLI does) on a "*.test"
// symlink to this very binary. The orchestrator starts --procs copies of it
// with -ginkgo.parallel.* flags, hands out specs, merges their output and
// gives process 1 the aggregated report for ReportAfterSuite. workerEnv tells
// a copy it is a worker; workerConfigEnv carries our own configuration (as
// JSON, so no flag of ours ever meets Ginkgo's flag parsing).

const (
	workerEnv       = "KNOXCONFORM_WORKER"
	workerConfigEnv = "KNOXCONFORM_WORKER_CONFIG"
	// workerGOGCEnv says that GOGC was set for the workers alone (see
	// workerGOGC); a worker unsets it again before starting adapters.
	workerGOGCEnv = "KNOXCONFORM_WORKER_GOGC"
)

// workerGOGC is the garbage collector's target for worker processes when the
// user has not set GOGC. A worker is short-lived and its heap small (tens of
// MB), but at Go's default of 100 its start-up (package initialisation, the
// protocol schemas, Ginkgo's tree) runs two or three collections while every
// worker and adapter of the run competes for the CPUs, which delays the
// longest cases' start. 400 roughly halves the run's GC CPU; the adapters
// (the client under test) get the user's environment unchanged.
const workerGOGC = "400"

// ginkgoConfig maps our flags onto Ginkgo's configuration for a serial run.
func ginkgoConfig(cfg *Config) (types.SuiteConfig, types.ReporterConfig) {
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = cfg.LabelFilter
	sc.FocusStrings = cfg.focus
	sc.Timeout = cfg.Timeout
	sc.RandomSeed = cfg.Seed
	sc.FailOnEmpty = true
	// Shuffle every case, not only top-level containers, so the seed means
	// something: an order dependency between cases shows up, reproducibly.
	sc.RandomizeAllSpecs = true
	// Ginkgo's console reporter is silenced (console.go); --verbose is ours
	// (progress.go prints each case's timeline), so Ginkgo stays succinct and
	// never streams GinkgoWriter to stdout.
	rc.NoColor = cfg.NoColor
	rc.Succinct = true
	rc.SilenceSkips = true
	return sc, rc
}

// orchestratorArgs is the same configuration as ginkgo CLI flags.
func orchestratorArgs(cfg *Config, suite string) []string {
	args := []string{
		"--procs=" + strconv.Itoa(cfg.Procs),
		"--timeout=" + cfg.Timeout.String(),
		"--seed=" + strconv.FormatInt(cfg.Seed, 10),
		"--fail-on-empty",
		"--randomize-all",
		"--silence-skips",
	}
	if cfg.LabelFilter != "" {
		args = append(args, "--label-filter="+cfg.LabelFilter)
	}
	for _, f := range cfg.focus {
		args = append(args, "--focus="+f)
	}
	if cfg.NoColor {
		args = append(args, "--no-color")
	}
	return append(args, "--succinct", suite)
}

// runParallel is the parent of a parallel run. It returns once every worker
// has exited; the report is on disk by then (written by worker 1).
func runParallel(cfg *Config, stdout, stderr, trace io.Writer) (interrupted bool, err error) {
	exe, err := os.Executable()
	if err != nil {
		return false, fmt.Errorf("--procs: cannot find this program's own file to start workers: %v", err)
	}
	tmp, err := os.MkdirTemp("", "knoxconform-")
	if err != nil {
		return false, fmt.Errorf("--procs: cannot create a temporary directory: %v", err)
	}
	defer os.RemoveAll(tmp)
	// The orchestrator only runs precompiled suites whose file name ends in .test.
	suite := filepath.Join(tmp, "knoxconform.test")
	if err := os.Symlink(exe, suite); err != nil {
		return false, fmt.Errorf("--procs: cannot link the worker executable: %v", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return false, fmt.Errorf("--procs: cannot tell the current directory: %v", err)
	}
	wire, err := json.Marshal(wireConfig{Config: *cfg, Expected: cfg.expected, Dir: cwd})
	if err != nil {
		return false, err
	}
	ctl, err := startControl(filepath.Join(tmp, "ctl.sock"), consoleProgress(stdout), trace)
	if err != nil {
		return false, fmt.Errorf("--procs: cannot open the control socket for the workers: %v", err)
	}
	// The run directory the workers share for run-wide rules (conformance.RunDirEnv).
	runDir := filepath.Join(tmp, "run")
	if err := os.Mkdir(runDir, 0o700); err != nil {
		return false, fmt.Errorf("--procs: cannot make the run directory for the workers: %v", err)
	}
	// The workers inherit the environment.
	env := map[string]string{workerEnv: "1", workerConfigEnv: string(wire), ctlEnv: filepath.Join(tmp, "ctl.sock"),
		conformance.RunDirEnv: runDir}
	if _, set := os.LookupEnv("GOGC"); !set {
		env["GOGC"], env[workerGOGCEnv] = workerGOGC, "1"
	}
	for k, v := range env {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		if had {
			defer os.Setenv(k, old)
		} else {
			defer os.Unsetenv(k)
		}
	}

	func() {
		// The orchestrator reports completion by panicking with AbortDetails
		// (that is how the ginkgo CLI exits); anything else is a real panic.
		defer func() {
			if r := recover(); r != nil {
				d, ok := r.(command.AbortDetails)
				if !ok {
					panic(r)
				}
				if d.Error != nil {
					fmt.Fprintf(stderr, "knoxconform: %v\n", d.Error)
				}
			}
		}()
		run.BuildRunCommand().Run(orchestratorArgs(cfg, suite), nil)
	}()
	ctl.close()
	return ctl.wasInterrupted(), nil
}

// IsWorker reports whether this process was started by a parallel run as one
// of its workers; main must then call WorkerMain and nothing else. Both the
// environment and Ginkgo's parallel flags must say so, so a stray variable in
// a user's shell cannot turn knoxconform into a worker.
func IsWorker() bool {
	if os.Getenv(workerEnv) != "1" {
		return false
	}
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "--ginkgo.parallel.process=") || strings.HasPrefix(a, "-ginkgo.parallel.process=") {
			return true
		}
	}
	return false
}

// WorkerMain runs this process's share of a parallel run and returns its exit
// status (which only Ginkgo's orchestrator reads).
func WorkerMain() int {
	// Ginkgo's orchestrator starts us as
	//   knoxconform.test --test.timeout=0 --ginkgo.parallel.process=N ... --ginkgo.seed=S ...
	// so let the standard flag set (where Ginkgo registered -ginkgo.*) parse it.
	testing.Init()
	flag.Parse()

	var wire wireConfig
	if err := json.Unmarshal([]byte(os.Getenv(workerConfigEnv)), &wire); err != nil {
		fmt.Fprintf(os.Stderr, "knoxconform worker: bad %s: %v\n", workerConfigEnv, err)
		return ExitError
	}
	cc := dialControl()
	// The adapters this worker starts must not inherit the worker's plumbing.
	for _, k := range []string{workerEnv, workerConfigEnv, ctlEnv} {
		os.Unsetenv(k)
	}
	if os.Getenv(workerGOGCEnv) == "1" {
		os.Unsetenv("GOGC")
	}
	os.Unsetenv(workerGOGCEnv)
	cfg := wire.Config
	cfg.expected = wire.Expected
	// The orchestrator starts workers in the directory of the .test link; the
	// --target command may name the adapter relative to where the user ran us.
	if err := os.Chdir(wire.Dir); err != nil {
		fmt.Fprintf(os.Stderr, "knoxconform worker: %v\n", err)
		return ExitError
	}

	progress := func(string) {}
	var trace io.Writer
	if cc != nil {
		progress = func(line string) { cc.send('P', []byte(strconv.Quote(line))) }
		if cfg.Trace != "" {
			t := &lineSender{cc: cc, kind: 'T', prefix: fmt.Sprintf("[worker %d] ", ginkgo.GinkgoParallelProcess())}
			trace = t
			defer t.Flush()
		}
	}

	gomega.RegisterFailHandler(ginkgo.Fail)
	registerProgress(progress, cfg.expected, cfg.Verbose)
	suiteRegister(cfg.suiteOptions(trace))
	t := &failT{}
	// No config structs: the flags parsed above are the configuration,
	// including this worker's parallel process number and the server address.
	if !ginkgo.RunSpecs(t, SuiteDescription) || t.failed {
		return ExitNotConformant
	}
	return ExitConformant
}
