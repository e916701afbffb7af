// Package knoxunhandled reports Knox errors that a program drops without looking
// at them.
package knoxunhandled

// Doc is the analyzer's documentation; knoxvet help, docs/analyzers.md and the
// SARIF rule help are generated from it.
const Doc = `report Knox errors that are dropped without being checked

A Knox call is a call to a function that returns a Knox error: an error made by
the knoxerr package (knoxerr.New, knoxerr.Parse, knoxerr.FromResponse, a
*knoxerr.Error value), the error of an HTTP request to a Knox endpoint (a URL
built from a string constant holding a Knox path or host such as
"/ams/v1/users/accesstoken", "/ams/v0/", "/kcs/" or "samsungknox.com"), the
error of a call outside the standard library that is handed such a URL (a
client's own c.do(ctx, "/kcs/v1/devices") helper), or an error that a
function got from another Knox call and returned. The last
kind is followed through wrappers to any depth and across packages, so a
client's Token method and every function that passes its error up count too.

Dropping such an error hides exactly the conditions Knox documents: an
expired access token, a rate limit, a revoked licence. Five rules:

  KNX201  the call is a bare statement and its error is discarded
  KNX202  the error result is assigned to the blank identifier _
  KNX203  the call is started by go or defer, so nothing can see its error
  KNX204  the error is assigned to a variable that no path reads again
          before it is overwritten or the function ends
  KNX205  the error is checked (if err != nil) and then swallowed: the
          branch never looks at err and returns a nil error, so the caller
          sees success (BEHAVIOURS "Status and code both surfaced"; cases
          body-shape/classic, knox/4000000/no-retry)

Reading the variable (if err != nil, errors.As, passing it on) or returning
it counts as checking it. Errors of calls that have nothing to do with Knox
are not reported; that is errcheck's business. Generated files are skipped.

Before:

	c.Token(ctx)                      // KNX201
	tok, _ := c.Token(ctx)            // KNX202
	defer c.RevokeToken(ctx, tok)     // KNX203
	err := c.Upload(ctx, devices)     // KNX204: overwritten below
	err = c.Audit(ctx)
	if err := c.Sync(ctx); err != nil {
		return nil                    // KNX205
	}

After:

	tok, err := c.Token(ctx)
	if err != nil {
		return fmt.Errorf("knox token: %w", err)
	}

Suppress one finding with //knoxvet:ignore KNX201 reason.`
