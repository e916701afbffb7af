package target_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/target"
)

// fakeModeEnv makes the test binary act as an adapter: TestMain checks it and
// runs fakeMain instead of the tests, so subprocess tests need no other binary.
const fakeModeEnv = "KNOXCONFORM_TARGET_FAKE_ADAPTER"

// fakeAdapter is a small adapter whose behaviour per operation is fixed, so each
// response type can be provoked:
//
//	kme.listDevices   ok; waits params.pageNum×20ms first (for out-of-order answers)
//	knox.accessToken  ok:false, kind auth, 401, code 4032251
//	sa.authorizeToken skip
//	sa.exchangeCode   adapter error
//	kme.deleteDevices the mode's misbehaviour (crash, hang, garbage, …) or ok
type fakeAdapter struct {
	mode string
}

func (f *fakeAdapter) Hello(ctx context.Context, p target.HelloParams) (target.HelloResult, error) {
	return target.HelloResult{
		Protocol:   target.ProtocolVersion,
		Adapter:    target.Software{Name: "fake-adapter", Version: "0.0.1", Lang: "go"},
		Client:     target.Software{Name: "fake-client", Version: "0.0.1", Lang: "go"},
		Operations: target.Ops(),
		Features:   []string{"concurrency"},
	}, nil
}

func (f *fakeAdapter) NewClient(ctx context.Context, p target.NewClientParams) error {
	if p.Client == "unsupported" {
		return target.Skip("this client cannot be configured without a keys file")
	}
	return nil
}

func (f *fakeAdapter) Invoke(ctx context.Context, p target.InvokeParams) (target.Outcome, error) {
	switch p.Op {
	case target.OpListDevices:
		var lp target.ListDevicesParams
		if err := json.Unmarshal(p.Params, &lp); err != nil {
			return target.Outcome{}, err
		}
		select {
		case <-time.After(time.Duration(lp.PageNum) * 20 * time.Millisecond):
		case <-ctx.Done():
			return target.Outcome{}, ctx.Err()
		}
		v, _ := json.Marshal(target.ListDevicesValue{TotalCount: 100, Devices: lp.PageNum})
		return target.Outcome{OK: true, Value: v}, nil
	case target.OpAccessToken:
		return target.Outcome{Error: &target.OutcomeError{Kind: knoxerr.KindAuth, HTTPStatus: 401, Code: "4032251", Message: "jti reused"}}, nil
	case target.OpAuthorizeToken:
		return target.Outcome{}, target.Skip("Samsung Account is not wired up in this client")
	case target.OpExchangeCode:
		return target.Outcome{}, errors.New("the client library threw NullPointerException")
	}
	return f.misbehave()
}

func (f *fakeAdapter) misbehave() (target.Outcome, error) {
	switch f.mode {
	case "crash":
		fmt.Fprintln(os.Stderr, "starting delete")
		fmt.Fprintln(os.Stderr, "boom")
		os.Exit(3)
	case "hang":
		select {}
	case "garbage":
		fmt.Fprintln(os.Stdout, "DEBUG: deleting devices now")
		select {}
	case "unknown-id":
		fmt.Fprintln(os.Stdout, `{"v":1,"id":"9999","type":"ok"}`)
		select {}
	case "bad-kind":
		fmt.Fprintln(os.Stdout, `{"v":1,"id":"2","type":"result","result":{"ok":false,"error":{"kind":"oops"}}}`)
		select {}
	case "huge":
		os.Stdout.WriteString(`{"v":1,"id":"2","type":"result","result":{"ok":true,"value":"`)
		chunk := strings.Repeat("x", 64<<10)
		for range 64 { // 4 MiB, no newline
			if _, err := os.Stdout.WriteString(chunk); err != nil {
				os.Exit(1)
			}
		}
		select {}
	}
	v, _ := json.Marshal(target.DeleteDevicesValue{Success: 1})
	return target.Outcome{OK: true, Value: v}, nil
}

func (f *fakeAdapter) CloseClient(ctx context.Context, p target.CloseClientParams) error { return nil }

// fakeMain is the adapter main of the test binary.
func fakeMain(mode string) {
	if mode == "deaf" { // answers nothing, not even bye, and ignores SIGTERM
		fmt.Fprintln(os.Stderr, "deaf adapter started")
		select {}
	}
	if mode == "listen" { // the -listen path of target.Main
		os.Args = []string{os.Args[0], "-listen", "127.0.0.1:0"}
		target.Main(&fakeAdapter{mode: mode})
		return
	}
	if mode == "chatty" { // logs far more than the suite keeps
		for i := range 1000 {
			fmt.Fprintf(os.Stderr, "chatty line %d\n", i)
		}
	}
	target.ServeStdio(&fakeAdapter{mode: mode})
}
