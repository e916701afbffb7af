// Package notknox does not talk to Knox: the same switch is about its own numbers.
package notknox

func f(n int) string {
	switch n {
	case 4032251:
		return "a number"
	}
	return ""
}
