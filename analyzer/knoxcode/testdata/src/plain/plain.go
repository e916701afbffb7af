// Package plain neither uses knoxerr nor net/http: the fast path skips it.
package plain

func f(n int) bool {
	return n == 4032251
}

func g() []byte {
	println("4032251")
	return make([]byte, 4000000)
}
