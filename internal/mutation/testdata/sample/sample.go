// Package sample is the mutation generator's test input: one of each construct,
// and a Quirks switch board like knoxclient's.
package sample

import "errors"

// Quirks mirrors knoxclient.Quirks: expressions that read it are scaffolding.
type Quirks struct{ Loop bool }

// Limit is a bound a rule states.
const Limit = 3

type counter struct {
	q Quirks
	n int
}

var errOver = errors.New("over")

func (c *counter) step(max int) error {
	if c.q.Loop {
		c.n = 0
	}
	if !c.q.Loop {
		if c.n >= Limit {
			return errOver
		}
	}
	c.n++
	record(c.n * 2)
	return nil
}

func record(int) {}

// after covers `if !quirk { return }`: what follows runs only under the quirk.
func (c *counter) after() int {
	if !c.q.Loop {
		return c.n
	}
	return c.n + 1
}
