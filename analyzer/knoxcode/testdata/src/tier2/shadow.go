package tier2

// A local named knoxerr hides the package name: the finding stands, but no fix
// is offered, since knoxerr.X would not compile here.
func shadowed(code int) bool {
	knoxerr := "not the package"
	_ = knoxerr
	return code == 4032251 // want `use knoxerr.AccessTokenExpiredNum`
}
