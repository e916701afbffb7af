package h1 // want package:"hasKnoxFuncs"

// h1 reaches Knox over plain net/http, without knoxerr.

import "net/http"

const kcs = "https://eu-kcs-api.samsungknox.com"

// Devices lists devices.
func Devices(c *http.Client) error { // want Devices:"returnsKnoxError"
	req, err := http.NewRequest(http.MethodGet, kcs+"/kcs/v1/devices/list", nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
