package conformance

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// RunDirEnv names the directory that every process of one run shares: the
// parent of a parallel run sets it for its workers. Each process appends there
// what run-wide rules need (the jti of every JWT its cases saw); the run-wide
// cases, which Ginkgo runs last and on process 1 (Serial), read it all. A
// process without it (a serial run, a test) makes a directory of its own.
const RunDirEnv = "KNOXCONFORM_RUN_DIR"

// runLog is this process's share of the run directory.
type runLog struct {
	mu    sync.Mutex
	dir   string
	owned bool // made here, removed when the suite ends
	err   error
}

func openRunLog() *runLog {
	if dir := os.Getenv(RunDirEnv); dir != "" {
		return &runLog{dir: dir}
	}
	dir, err := os.MkdirTemp("", "knoxconform-run-*")
	return &runLog{dir: dir, owned: true, err: err}
}

func (l *runLog) close() {
	if l.owned && l.dir != "" {
		_ = os.RemoveAll(l.dir)
	}
}

// jwtRecord is one JWT a case's server received, as the run log keeps it: no
// token, only its jti and the fingerprint of its bytes.
type jwtRecord struct {
	Case, JTI, Fingerprint string
	// Resendable is set for an access-token JWT (x-knox-apitoken), which a
	// client may send again unchanged while it is valid.
	Resendable bool
}

func recordOf(caseID string, x knoxtest.Exchange) jwtRecord {
	return jwtRecord{Case: caseID, JTI: x.JWT.JTI, Fingerprint: x.JWT.Fingerprint, Resendable: x.JWT.Subject == "accessToken"}
}

// record appends the JWTs of a case's journal to this process's file.
func (l *runLog) record(caseID string, journal []knoxtest.Exchange) {
	if l == nil || l.err != nil {
		return
	}
	var b strings.Builder
	for _, x := range journal {
		if x.JWT != nil && x.JWT.JTI != "" {
			// jtis are the client's text: keep them on one line and tab-free.
			rec := recordOf(caseID, x)
			fmt.Fprintf(&b, "%s\t%q\t%s\t%t\n", rec.Case, rec.JTI, rec.Fingerprint, rec.Resendable)
		}
	}
	if b.Len() == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(l.dir, fmt.Sprintf("jwts-%d.log", os.Getpid())), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		l.err = err
		return
	}
	_, werr := f.WriteString(b.String())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		l.err = werr
	}
}

// load reads every process's records of the run.
func (l *runLog) load() ([]jwtRecord, error) {
	if l.err != nil {
		return nil, fmt.Errorf("the run log in %s: %w", l.dir, l.err)
	}
	files, err := filepath.Glob(filepath.Join(l.dir, "jwts-*.log"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []jwtRecord
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			parts := strings.Split(sc.Text(), "\t")
			if len(parts) != 4 {
				continue
			}
			jti, err := strconv.Unquote(parts[1])
			if err != nil {
				continue
			}
			out = append(out, jwtRecord{Case: parts[0], JTI: jti, Fingerprint: parts[2], Resendable: parts[3] == "true"})
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	return out, nil
}

// HaveUniqueJTIsAcrossRun: no jti is carried by two JWTs anywhere in the run:
// across the run's cases, clients and worker processes (earlier is what the
// other cases recorded, the evidence is this case's own journal). The one
// repeat allowed is an access-token JWT sent again unchanged; a
// client-identifier JWT is never sent twice, and two clients that sign the
// same claims in the same second produce the same bytes (RS512 is
// deterministic), so bytes alone cannot excuse a repeated jti there.
func HaveUniqueJTIsAcrossRun(earlier []jwtRecord, thisCase string) *Requirement {
	return requirement("jti unique across the run",
		"no two JWTs of the whole run, in any case, client or worker process, carry the same jti",
		func(ev *Evidence) (bool, string) {
			all := append([]jwtRecord(nil), earlier...)
			for _, x := range jwts(ev.window()) {
				all = append(all, recordOf(thisCase, x))
			}
			first := map[string]jwtRecord{}
			var dups []string
			for _, rec := range all {
				prev, seen := first[rec.JTI]
				switch {
				case !seen:
					first[rec.JTI] = rec
				case prev.Fingerprint != rec.Fingerprint || !rec.Resendable || !prev.Resendable:
					dups = append(dups, fmt.Sprintf("jti %s in a JWT of %s and another of %s", short(rec.JTI), prev.Case, rec.Case))
				}
			}
			if len(dups) > 0 {
				more := ""
				if len(dups) > 3 {
					more = fmt.Sprintf(" … %d more", len(dups)-3)
					dups = dups[:3]
				}
				return false, fmt.Sprintf("%d JWT(s) in the run, %d reused jti: %s%s", len(all), len(dups), strings.Join(dups, "; "), more)
			}
			if len(all) == 0 {
				return false, "no signed JWT was seen in the run"
			}
			return true, fmt.Sprintf("%d JWT(s) in the run, %d distinct jti", len(all), len(first))
		})
}

// freshClient closes the case's client and makes the next invoke open another
// one, with a new client id, on the same server.
func (r *caseRun) freshClient() {
	if r.opened && r.tgt != nil {
		ctx, cancel := context.WithTimeout(r.ctx, closeTimeout)
		err := r.tgt.CloseClient(ctx, target.CloseClientParams{Client: r.clientID})
		cancel()
		if err != nil {
			r.fromError("closeClient", err)
		}
	}
	r.opened = false
	r.clientID = fmt.Sprintf("p%d-%d-%s", r.s.hooks.process(), r.s.clientSeq.Add(1), r.def.ID)
}
