// Package strict neither uses knoxerr nor net/http: the fast path skips it, unless
// -knoxcode.strict.
package strict

func f(n int) bool {
	return n == 4032251 // want `use knoxerr.AccessTokenExpiredNum`
}

func g() []byte {
	println("4032251")
	return make([]byte, 4000000) // want `use knoxerr.ResourceInvalidParamNum`
}
