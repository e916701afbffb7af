// Package r is a Knox client with the retry mistakes knoxretry reports, each
// beside a correct variant that stays silent.
package r

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const tokenURL = "https://eu-kcs-api.samsungknox.com/ams/v1/users/accesstoken"

var errGiveUp = errors.New("give up")

// ---- KNX402 hot loop, KNX403 unbounded, KNX406 retries 4xx ----

func hotUnbounded(c *http.Client, req *http.Request) *http.Response {
	for {
		resp, err := c.Do(req) // want `no wait between attempts` `no attempt bound` `retried on every failed answer`
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp
		}
	}
}

// Bounded, waits, and leaves on a 4xx: silent.
func good(ctx context.Context, c *http.Client, req *http.Request) (*http.Response, error) {
	for attempt := 0; attempt < 5; attempt++ {
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 300 {
			return resp, nil
		}
		if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
			return resp, errGiveUp
		}
		time.Sleep(retryAfter(resp))
	}
	return nil, errGiveUp
}

// retryAfter reads and caps Retry-After: silent.
func retryAfter(resp *http.Response) time.Duration {
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil {
		return time.Second
	}
	return min(time.Duration(n)*time.Second, time.Minute)
}

// Bounded and waiting, but every failure loops: 4xx retried.
func retriesAll(c *http.Client, req *http.Request) (*http.Response, error) {
	for attempt := 0; attempt < 3; attempt++ {
		resp, err := c.Do(req) // want `retried on every failed answer`
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK {
			return resp, nil
		}
		time.Sleep(time.Second)
	}
	return nil, errGiveUp
}

// A context check bounds it; a sleep paces it; 4xx leave.
func ctxBounded(ctx context.Context, c *http.Client, req *http.Request) (*http.Response, error) {
	for {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		resp, err := c.Do(req)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode >= 500 {
			time.Sleep(time.Second)
			continue
		}
		return resp, nil
	}
}

// Iteration, not retry: a failure leaves the loop.
func iterate(c *http.Client, reqs []*http.Request) error {
	for i := 0; i < len(reqs); i++ {
		resp, err := c.Do(reqs[i])
		if err != nil {
			return err
		}
		resp.Body.Close()
	}
	return nil
}

// A range over a slice is never a retry loop.
func rangeSkip(c *http.Client, reqs []*http.Request) {
	for _, req := range reqs {
		if _, err := c.Do(req); err != nil {
			continue
		}
	}
}

// ---- A send through a helper, known by its props ----

func (k *knox) call(ctx context.Context) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, tokenURL, nil)
	return k.http.Do(req)
}

// list turns every answer but 200 into an error: its nil error means success.
func (k *knox) list(ctx context.Context) error {
	resp, err := k.call(ctx)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errGiveUp
	}
	return nil
}

type knox struct {
	http  *http.Client
	sleep func(time.Duration)
}

func (k *knox) helperHot(ctx context.Context) {
	for range 3 {
		if err := k.list(ctx); err == nil { // want `no wait between attempts` `retried on every failed answer`
			return
		}
	}
}

// The helper hands back the response: a nil error is any answer, and this loop
// leaves on every answer. Only the missing wait is reported.
func (k *knox) helperAnyAnswer(ctx context.Context) {
	for range 3 {
		if _, err := k.call(ctx); err == nil { // want `no wait between attempts`
			return
		}
	}
}

// A wait through a function value that takes a duration counts.
func (k *knox) helperPaced(ctx context.Context) error {
	for attempt := range 3 {
		resp, err := k.call(ctx)
		if err != nil {
			k.sleep(time.Duration(attempt) * time.Second)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return errGiveUp
		}
		return nil
	}
	return errGiveUp
}

// ---- KNX404 Retry-After ignored ----

func ignoresRetryAfter(c *http.Client, req *http.Request) (*http.Response, error) {
	for attempt := 0; attempt < 3; attempt++ {
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusTooManyRequests { // want `a 429 answer is retried without reading Retry-After`
			time.Sleep(2 * time.Second)
			continue
		}
		return resp, nil
	}
	return nil, errGiveUp
}

// ---- KNX405 Retry-After uncapped ----

func uncapped(resp *http.Response) {
	n, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	time.Sleep(time.Duration(n) * time.Second) // want `sleeps on the server's Retry-After with no cap`
}

func capped(resp *http.Response) error {
	n, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if n > 60 {
		return errGiveUp
	}
	time.Sleep(time.Duration(n) * time.Second)
	return nil
}

// ---- KNX401 JWT reuse ----

func sign(jti string) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"aud": "KnoxWSM", "jti": jti}).SignedString(nil)
}

func signedOnce(c *http.Client) error {
	tok, err := sign(newJTI()) // want `JWT signed once, before the retry loop`
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 3; attempt++ {
		req, _ := http.NewRequest(http.MethodPost, tokenURL, nil)
		req.Header.Set("x-knox-apitoken", tok)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode >= 500 {
			time.Sleep(time.Second)
			continue
		}
		return nil
	}
	return errGiveUp
}

func signedEachAttempt(c *http.Client) error {
	for attempt := 0; attempt < 3; attempt++ {
		tok, err := sign(newJTI())
		if err != nil {
			return err
		}
		req, _ := http.NewRequest(http.MethodPost, tokenURL, nil)
		req.Header.Set("x-knox-apitoken", tok)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode >= 500 {
			time.Sleep(time.Second)
			continue
		}
		return nil
	}
	return errGiveUp
}

var fixedJTI = "0b3c"

func newJTI() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

func constantJTI() *jwt.Token {
	return jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"aud": "KnoxWSM", "jti": "fixed-jti"}) // want `jti claim is the constant "fixed-jti"`
}

func globalJTI() *jwt.Token {
	return jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"aud": "KnoxWSM", "jti": fixedJTI}) // want `jti claim is the package variable fixedJTI`
}

func registeredJTI() *jwt.Token {
	return jwt.NewWithClaims(jwt.SigningMethodRS512, &jwt.RegisteredClaims{ID: fixedJTI}) // want `jti claim \(ID\) is the package variable fixedJTI`
}

func freshJTI() *jwt.Token {
	return jwt.NewWithClaims(jwt.SigningMethodRS512, &jwt.RegisteredClaims{ID: newJTI()})
}

// ---- Who bounds a loop ----

type backoff struct{ n int }

func (b *backoff) next() error {
	b.n++
	if b.n > 3 {
		return errGiveUp
	}
	time.Sleep(time.Duration(b.n) * time.Second)
	return nil
}

// A helper decides when to give up, and waits: no KNX402 or KNX403, but every
// failed answer still loops.
func helperBounded(c *http.Client, req *http.Request) (*http.Response, error) {
	b := &backoff{}
	for {
		if err := b.next(); err != nil {
			return nil, err
		}
		resp, err := c.Do(req) // want `retried on every failed answer`
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp, nil
		}
	}
}

// http.NewRequest's error leaves the loop, but is no decision to give up.
func newRequestNoBound(ctx context.Context, c *http.Client, url string) *http.Response {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil
		}
		resp, err := c.Do(req) // want `no wait between attempts` `no attempt bound` `retried on every failed answer`
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp
		}
	}
}

// Nested loops judge the inner send once per rule.
func nested(c *http.Client, reqs [][]*http.Request) {
	for i := 0; i < len(reqs); i++ {
		for {
			resp, err := c.Do(reqs[i][0]) // want `no wait between attempts` `no attempt bound` `retried on every failed answer`
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
		}
	}
}
