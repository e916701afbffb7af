// Package protoline has the helpers both sides of the adapter protocol use on
// its lines (package protocol, the adapter side; package target, the suite's).
package protoline

import "fmt"

// TrimSpace trims the blanks (space, tab, carriage return) around a line.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Quote renders a protocol line for an error message, cut to at most n bytes.
func Quote(line []byte, n int) string {
	s := string(line)
	if len(s) > n {
		s = s[:n] + fmt.Sprintf("… (%d bytes)", len(line))
	}
	return fmt.Sprintf("%q", s)
}
