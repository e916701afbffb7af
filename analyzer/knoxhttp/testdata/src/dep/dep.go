// Package dep hands out Knox responses, so its users need not import net/http;
// its Knox endpoint puts its importers in knoxhttp's scope too.
package dep

import "net/http"

const base = "https://us-kcs-api.samsungknox.com/kcs/v1"

func Get() *http.Response { return &http.Response{StatusCode: http.StatusOK} }
