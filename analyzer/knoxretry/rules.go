package knoxretry

import (
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

func (c *checker) checkFunc(fn *ssa.Function) {
	c.checkJTI(fn)
	c.checkUncapped(fn)
	for _, l := range loops(fn) {
		c.checkLoop(fn, l)
	}
}

// sendIn returns the first Knox send of the loop body, in block order.
func (c *checker) sendsIn(fn *ssa.Function, l *loop) []ssa.CallInstruction {
	var sends []ssa.CallInstruction
	for _, b := range fn.Blocks {
		if !l.body[b] {
			continue
		}
		for _, in := range b.Instrs {
			if call, ok := in.(ssa.CallInstruction); ok && c.callProps(call.Common()).Sends {
				sends = append(sends, call)
			}
		}
	}
	return sends
}

// retryPath reports whether, from the block of a send, a path inside the
// loop takes a failure edge and comes back to the loop head.
func retryPath(l *loop, from *ssa.BasicBlock) bool {
	type state struct {
		b      *ssa.BasicBlock
		failed bool
	}
	seen := map[state]bool{}
	stack := []state{{from, false}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kinds, _, _ := edges(s.b)
		for i, succ := range s.b.Succs {
			failed := s.failed
			if len(s.b.Succs) == 2 && (kinds[i] == errFail || kinds[i] == statusFail) {
				failed = true
			}
			if succ == l.header {
				if failed {
					return true
				}
				continue
			}
			if !l.body[succ] {
				continue
			}
			n := state{succ, failed}
			if !seen[n] {
				seen[n] = true
				stack = append(stack, n)
			}
		}
	}
	return false
}

// failureExit reports whether, from the block of a send, the loop can be left
// (a block outside it, a return or a panic) on a path that takes no
// transport-error edge, no success edge and no bound check: an exit on a
// response that is not a success, such as a 4xx.
func failureExit(l *loop, from *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	stack := []*ssa.BasicBlock{from}
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch b.Instrs[len(b.Instrs)-1].(type) {
		case *ssa.Return, *ssa.Panic:
			return true
		}
		kinds, _, _ := edges(b)
		for i, succ := range b.Succs {
			if len(b.Succs) == 2 {
				switch kinds[i] {
				case errFail, statusOK, bound:
					continue
				}
			}
			if succ == l.header {
				continue // the next attempt
			}
			if !l.body[succ] {
				return true
			}
			if !seen[succ] {
				seen[succ] = true
				stack = append(stack, succ)
			}
		}
	}
	return false
}

func (c *checker) checkLoop(fn *ssa.Function, l *loop) {
	sends := c.sendsIn(fn, l)
	var send ssa.CallInstruction
	for _, s := range sends {
		if retryPath(l, s.Block()) {
			send = s
			break
		}
	}
	if send == nil {
		return // no Knox call comes round again after a failure: not a retry loop
	}
	waits, bounded, readsRA := false, l.header.Comment == "rangeint.body", c.props[fn].ReadsRetryAfter
	for b := range l.body {
		kinds, ranges, status := edges(b)
		if kinds[0] == bound || kinds[1] == bound {
			bounded = true
		}
		if c.giveUpCheck(l, b) {
			bounded = true
		}
		if ifi, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok {
			if _, isCall := ifi.Cond.(*ssa.Call); isCall {
				bounded = true // a helper decides (backoff.Next()): assume it bounds
			}
			if u, ok := ifi.Cond.(*ssa.UnOp); ok && u.Op == token.NOT {
				if _, isCall := u.X.(*ssa.Call); isCall {
					bounded = true
				}
			}
		}
		for _, in := range b.Instrs {
			p := c.instrProps(in)
			if p.Waits {
				waits = true
			}
			switch in := in.(type) {
			case *ssa.Select:
				bounded = true
			case ssa.CallInstruction:
				if isDeadlineCall(in.Common()) {
					bounded = true
				}
			}
		}
		if status && !readsRA {
			for i, r := range ranges {
				if r.covers429() && reachesHeader(l, b.Succs[i]) {
					c.report(b.Instrs[len(b.Instrs)-1].(*ssa.If).Cond.Pos(), RuleIgnoresRA,
						"a %d answer is retried without reading Retry-After: the next attempt may come before the server allows it; wait max(Retry-After, backoff), capped", r.lo)
				}
			}
		}
	}
	pos := send.Pos()
	if !waits {
		c.report(pos, RuleHotLoop, "Knox call retried in a loop with no wait between attempts (a hot loop): sleep a growing, jittered backoff, or Retry-After, before the next attempt")
	}
	if !bounded {
		c.report(pos, RuleUnbounded, "Knox call retried in a loop with no attempt bound and no context or deadline check: bound the attempts (for attempt := range maxAttempts) or stop when ctx.Err() != nil")
	}
	if !failureExit(l, send.Block()) {
		c.report(pos, RuleRetriesFailure, "Knox call retried on every failed answer: the loop leaves only on success, a transport error or its bound, so 400, 403 and 404 are retried too; return the error for 4xx other than 429")
	}
	c.checkReuse(fn, l, sends)
}

// reachesHeader reports whether b leads back to the loop head inside the loop.
func reachesHeader(l *loop, b *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	stack := []*ssa.BasicBlock{b}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == l.header {
			return true
		}
		if !l.body[x] || seen[x] {
			continue
		}
		seen[x] = true
		stack = append(stack, x.Succs...)
	}
	return false
}

// isDeadlineCall reports calls that check a context or the clock: ctx.Done,
// ctx.Err, ctx.Deadline, time.Since, time.Until, time.Now.
func isDeadlineCall(call *ssa.CallCommon) bool {
	if call.IsInvoke() {
		m := call.Method
		return m.Pkg() != nil && m.Pkg().Path() == "context"
	}
	fn := call.StaticCallee()
	if fn == nil {
		return false
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil {
		return false
	}
	switch obj.Pkg().Path() + "." + qualifiedName(obj) {
	case "time.Since", "time.Until", "time.Now", "time.Time.After", "time.Time.Before":
		return true
	}
	return false
}

// checkReuse reports a JWT signed before the loop and used in it.
func (c *checker) checkReuse(fn *ssa.Function, l *loop, sends []ssa.CallInstruction) {
	if len(sends) == 0 {
		return
	}
	for _, b := range fn.Blocks {
		if l.body[b] {
			continue
		}
		for _, in := range b.Instrs {
			call, ok := in.(*ssa.Call)
			if !ok || !c.callProps(&call.Call).SignsJWT || !returnsString(call) {
				continue
			}
			if usedIn(call, l) {
				c.report(call.Pos(), RuleJWTReuse, "JWT signed once, before the retry loop, and sent on every attempt: Knox refuses a reused jti (4002250 API_KEY_NON_UNIQUE_JWTID); sign a new JWT, with a new jti, inside the loop")
			}
		}
	}
}

// returnsString reports whether call returns a string (alone or first).
func returnsString(call *ssa.Call) bool {
	t := call.Type()
	if tup, ok := t.(*types.Tuple); ok && tup.Len() > 0 {
		t = tup.At(0).Type()
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// usedIn reports whether the string result of call is used inside the loop.
func usedIn(call *ssa.Call, l *loop) bool {
	var vals []ssa.Value
	if _, ok := call.Type().(*types.Tuple); ok {
		for _, r := range *call.Referrers() {
			if ex, ok := r.(*ssa.Extract); ok && ex.Index == 0 {
				vals = append(vals, ex)
			}
		}
	} else {
		vals = append(vals, call)
	}
	seen := map[ssa.Value]bool{}
	for len(vals) > 0 {
		v := vals[len(vals)-1]
		vals = vals[:len(vals)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		for _, r := range *v.Referrers() {
			if l.body[r.Block()] {
				return true
			}
			// "Bearer " + tok, or a conversion, still carries the same bytes.
			if rv, ok := r.(ssa.Value); ok {
				switch r.(type) {
				case *ssa.BinOp, *ssa.Convert, *ssa.ChangeType, *ssa.MakeInterface, *ssa.Phi:
					vals = append(vals, rv)
				}
			}
			if st, ok := r.(*ssa.Store); ok {
				// tok stored in a local (a closure's cell): loads of it count.
				if alloc, ok := st.Addr.(*ssa.Alloc); ok {
					for _, ar := range *alloc.Referrers() {
						if l.body[ar.Block()] {
							if _, isLoad := ar.(*ssa.UnOp); isLoad {
								return true
							}
						}
					}
				}
			}
		}
	}
	return false
}

// checkJTI reports a "jti" claim that is a constant or a package variable.
func (c *checker) checkJTI(fn *ssa.Function) {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.MapUpdate:
				k, ok := in.Key.(*ssa.Const)
				if !ok || k.Value == nil || k.Value.Kind() != constant.String || constant.StringVal(k.Value) != "jti" {
					continue
				}
				if !isJWTMap(in.Map.Type()) {
					continue
				}
				if what := fixed(in.Value); what != "" {
					c.report(in.Pos(), RuleJWTReuse, "jti claim is %s: every JWT gets the same jti and Knox refuses all but the first (4002250 API_KEY_NON_UNIQUE_JWTID); make a new random jti for each JWT", what)
				}
			case *ssa.Store:
				fa, ok := in.Addr.(*ssa.FieldAddr)
				if !ok || !isJTIField(fa) {
					continue
				}
				if what := fixed(in.Val); what != "" {
					c.report(in.Pos(), RuleJWTReuse, "jti claim (ID) is %s: every JWT gets the same jti and Knox refuses all but the first (4002250 API_KEY_NON_UNIQUE_JWTID); make a new random jti for each JWT", what)
				}
			}
		}
	}
}

// fixed says why v is the same for every JWT: a constant or a package
// variable; "" otherwise.
func fixed(v ssa.Value) string {
	if mi, ok := v.(*ssa.MakeInterface); ok {
		v = mi.X
	}
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value != nil {
			return "the constant " + v.Value.ExactString()
		}
	case *ssa.UnOp:
		if g, ok := v.X.(*ssa.Global); ok && v.Op == token.MUL {
			return "the package variable " + g.Name()
		}
	}
	return ""
}

// isJWTMap reports whether t is golang-jwt's MapClaims.
func isJWTMap(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && isJWT(n.Obj().Pkg().Path()) && n.Obj().Name() == "MapClaims"
}

// isJTIField reports whether fa addresses golang-jwt RegisteredClaims.ID.
func isJTIField(fa *ssa.FieldAddr) bool {
	t := fa.X.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || !isJWT(n.Obj().Pkg().Path()) || n.Obj().Name() != "RegisteredClaims" {
		return false
	}
	s := n.Underlying().(*types.Struct)
	return fa.Field < s.NumFields() && s.Field(fa.Field).Name() == "ID"
}

// checkUncapped reports a sleep on a duration computed from Retry-After with
// no cap on the way.
func (c *checker) checkUncapped(fn *ssa.Function) {
	for _, b := range fn.Blocks {
		for _, in := range b.Instrs {
			call, ok := in.(ssa.CallInstruction)
			if !ok || !isSleep(call.Common()) {
				continue
			}
			args := call.Common().Args
			if len(args) == 0 {
				continue
			}
			arg := args[len(args)-1]
			if tainted, capped := traceRetryAfter(arg); tainted && !capped {
				c.report(call.Pos(), RuleUncappedRA, "sleeps on the server's Retry-After with no cap: Retry-After: 86400 would stall the client for a day; give up and report rate_limited when it exceeds a budget, or cap it with min")
			}
		}
	}
}

func isSleep(call *ssa.CallCommon) bool {
	fn := call.StaticCallee()
	if fn == nil {
		return false
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != "time" {
		return false
	}
	switch qualifiedName(obj) {
	case "Sleep", "After", "NewTimer", "Timer.Reset":
		return true
	}
	return false
}

// traceRetryAfter follows v back through arithmetic, conversions and parsing
// calls and merges; tainted when it reaches Header.Get("Retry-After"), capped
// when a min or an ordered comparison lies on the way.
func traceRetryAfter(v ssa.Value) (tainted, capped bool) {
	seen := map[ssa.Value]bool{}
	stack := []ssa.Value{v}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[x] {
			continue
		}
		seen[x] = true
		if refs := x.Referrers(); refs != nil {
			for _, r := range *refs {
				if bin, ok := r.(*ssa.BinOp); ok && isOrdered(bin.Op) {
					capped = true
				}
			}
		}
		switch x := x.(type) {
		case *ssa.Phi:
			// A merge of a fallback (secs = 1 on a parse error) is no cap; a
			// clamp (if d > max { d = max }) shows as the comparison on d.
			stack = append(stack, x.Edges...)
		case *ssa.BinOp:
			stack = append(stack, x.X, x.Y)
		case *ssa.Convert:
			stack = append(stack, x.X)
		case *ssa.ChangeType:
			stack = append(stack, x.X)
		case *ssa.Extract:
			stack = append(stack, x.Tuple)
		case *ssa.Call:
			if b, ok := x.Call.Value.(*ssa.Builtin); ok {
				if b.Name() == "min" {
					capped = true
				}
				continue
			}
			if isHeaderGet(&x.Call) {
				tainted = true
				continue
			}
			if parses(&x.Call) {
				stack = append(stack, x.Call.Args...)
			}
		}
	}
	return tainted, capped
}

// isHeaderGet reports h.Get("Retry-After") on an http.Header.
func isHeaderGet(call *ssa.CallCommon) bool {
	fn := call.StaticCallee()
	if fn == nil || len(call.Args) != 2 {
		return false
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != "net/http" || qualifiedName(obj) != "Header.Get" {
		return false
	}
	k, ok := call.Args[1].(*ssa.Const)
	return ok && k.Value != nil && k.Value.Kind() == constant.String && strings.EqualFold(constant.StringVal(k.Value), "Retry-After")
}

// parses reports calls that turn a header value into a number, a time or a
// duration: strconv, time and http.ParseTime.
func parses(call *ssa.CallCommon) bool {
	fn := call.StaticCallee()
	if fn == nil {
		return false
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil {
		return false
	}
	switch obj.Pkg().Path() {
	case "strconv", "time", "strings":
		return true
	case "net/http":
		return obj.Name() == "ParseTime"
	}
	return false
}

// giveUpCheck reports whether b ends with an error test on the result of a
// call that is not a send (jwts.next(), backoff.Wait(ctx)) whose failure
// edge leaves the loop: the helper decides when to give up, and is assumed
// to bound the attempts.
func (c *checker) giveUpCheck(l *loop, b *ssa.BasicBlock) bool {
	ifi, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
	if !ok {
		return false
	}
	bin, ok := ifi.Cond.(*ssa.BinOp)
	if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
		return false
	}
	x := bin.X
	if _, isConst := x.(*ssa.Const); isConst {
		x = bin.Y
	}
	if !isError(x.Type()) {
		return false
	}
	if ex, ok := x.(*ssa.Extract); ok {
		x = ex.Tuple
	}
	call, ok := x.(*ssa.Call)
	if !ok || c.callProps(&call.Call).Sends {
		return false
	}
	if fn := call.Call.StaticCallee(); fn != nil {
		if obj, ok := fn.Object().(*types.Func); ok && obj.Pkg() != nil {
			if _, known := knownFunc(obj); known {
				return false // http.NewRequest's error is no decision to give up
			}
		}
	}
	fail := b.Succs[0]
	if bin.Op == token.EQL {
		fail = b.Succs[1]
	}
	return !reachesHeader(l, fail)
}
