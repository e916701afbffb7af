package reports

// ran reports whether a case actually exercised the client: UNSUPPORTED cases
// did not, so a run where every case was skipped proves nothing.
func ran(c Class) bool {
	switch c {
	case Pass, NonStrict, Fail, ExpectedFail, Error:
		return true
	}
	return false
}

// Finalize fills s.Counts and s.Verdict from the cases and the run metadata, and
// sets SchemaVersion. It is idempotent; call it once the cases are complete.
//
// The verdict, in order of precedence:
//   - ERROR when the harness failed (Run.HarnessError), the run was interrupted
//     before every case ran, or any case is ERROR: the client was not judged;
//   - NO CASES RAN when no case exercised the client (none, or all UNSUPPORTED);
//   - NOT CONFORMANT when any case is FAIL, or NON-STRICT under --strict;
//   - CONFORMANT otherwise. XFAIL cases do not fail the run, and an unexpected
//     pass is listed prominently by the writers but does not fail it either.
func Finalize(s *Summary) {
	s.SchemaVersion = SchemaVersion
	s.Counts = make(map[Class]int, len(Classes()))
	for _, c := range Classes() {
		s.Counts[c] = 0
	}
	for _, c := range s.Cases {
		s.Counts[c.Class]++
	}
	s.Verdict = verdictOf(s)
}

func verdictOf(s *Summary) string {
	anyRan, anyFail, anyError := false, false, false
	for _, c := range s.Cases {
		switch c.Class {
		case Error:
			anyError = true
		case Fail:
			anyFail = true
		case NonStrict:
			if s.Run.Strict {
				anyFail = true
			}
		}
		if ran(c.Class) {
			anyRan = true
		}
	}
	switch {
	case s.Run.HarnessError != "" || s.Run.Interrupted || anyError:
		return VerdictError
	case !anyRan:
		return VerdictNoCases
	case anyFail:
		return VerdictNotConformant
	}
	return VerdictConformant
}

// ExitCode maps the verdict to knoxconform's exit status: 0 conformant, 1 not
// conformant, 2 error, 3 no case ran. A Summary that was never finalized is
// judged from its cases.
func ExitCode(s *Summary) int {
	v := s.Verdict
	if v == "" {
		v = verdictOf(s)
	}
	switch v {
	case VerdictConformant:
		return 0
	case VerdictNotConformant:
		return 1
	case VerdictNoCases:
		return 3
	}
	return 2
}

// failing reports whether a case counts against the run.
func failing(c Class, strict bool) bool {
	return c == Fail || c == Error || (strict && c == NonStrict)
}
