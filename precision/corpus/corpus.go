// Package corpus pins real Go HTTP, JWT, OAuth and retry client libraries for
// knoxvet's precision check (scripts/vet-precision.sh): over every package of
// these modules, `go vet -vettool=knoxvet` must report exactly what stock vet
// reports, since none of them talks to Knox. It is its own module, like
// gclplugin/, so that the main module never inherits their dependencies.
// corpus_test.go also analyses Knox-flavoured copies of them.
package corpus

import (
	_ "github.com/cenkalti/backoff/v4"
	_ "github.com/go-resty/resty/v2"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/stripe/stripe-go/v82"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/oauth2/clientcredentials"
	_ "golang.org/x/oauth2/jwt"
)
