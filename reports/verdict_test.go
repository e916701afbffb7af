package reports

import "testing"

func TestFinalizeAndExitCode(t *testing.T) {
	cases := func(cs ...Class) []CaseResult {
		var out []CaseResult
		for i, c := range cs {
			out = append(out, CaseResult{Case: Case{ID: string(rune('a' + i))}, Class: c})
		}
		return out
	}
	tests := []struct {
		name    string
		run     Run
		classes []Class
		verdict string
		exit    int
	}{
		{"all pass", Run{}, []Class{Pass, Pass}, VerdictConformant, 0},
		{"a fail", Run{}, []Class{Pass, Fail}, VerdictNotConformant, 1},
		{"non-strict only", Run{}, []Class{Pass, NonStrict}, VerdictConformant, 0},
		{"non-strict under --strict", Run{Strict: true}, []Class{Pass, NonStrict}, VerdictNotConformant, 1},
		{"xfail does not fail", Run{}, []Class{Pass, ExpectedFail}, VerdictConformant, 0},
		{"error beats fail", Run{}, []Class{Fail, Error}, VerdictError, 2},
		{"harness error", Run{HarnessError: "adapter would not start"}, []Class{Pass}, VerdictError, 2},
		{"interrupted", Run{Interrupted: true}, []Class{Pass}, VerdictError, 2},
		{"no cases", Run{}, nil, VerdictNoCases, 3},
		{"all unsupported", Run{}, []Class{Unsupported, Unsupported}, VerdictNoCases, 3},
		{"unsupported and pass", Run{}, []Class{Unsupported, Pass}, VerdictConformant, 0},
	}
	for _, tt := range tests {
		s := &Summary{Run: tt.run, Cases: cases(tt.classes...)}
		if got := ExitCode(s); got != tt.exit {
			t.Errorf("%s: ExitCode before Finalize = %d, want %d", tt.name, got, tt.exit)
		}
		Finalize(s)
		if s.Verdict != tt.verdict || ExitCode(s) != tt.exit {
			t.Errorf("%s: verdict %q exit %d, want %q %d", tt.name, s.Verdict, ExitCode(s), tt.verdict, tt.exit)
		}
		if s.SchemaVersion != SchemaVersion {
			t.Errorf("%s: schemaVersion %d", tt.name, s.SchemaVersion)
		}
		total := 0
		for _, c := range Classes() {
			if _, ok := s.Counts[c]; !ok {
				t.Errorf("%s: Counts lacks %s", tt.name, c)
			}
			total += s.Counts[c]
		}
		if total != len(tt.classes) {
			t.Errorf("%s: counts add up to %d, want %d", tt.name, total, len(tt.classes))
		}
	}
}
