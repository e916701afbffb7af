// Package dep hands out responses, so its users need not import net/http.
package dep

import "net/http"

func Get() *http.Response { return &http.Response{StatusCode: http.StatusOK} }
