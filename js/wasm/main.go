//go:build js && wasm

// Command wasm is the model compiled to WebAssembly for the npm package in
// js/: it installs globalThis.__confsim, a small JSON API over package api,
// and waits for calls. Build it with `npm run build` in js/.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/jitsi-sim/confsim/js/wasm/api"
	"github.com/jitsi-sim/confsim/sim"
)

var (
	sims      = map[int]*api.Sim{}
	scenarios = map[int]*api.Scenario{}
	nextID    = 1
)

// reply is every call's answer: {"ok": ...} or {"error": "..."}.
func reply(v any, err error) any {
	if err != nil {
		var na *sim.NotAllowedError
		b, _ := json.Marshal(map[string]any{"error": err.Error(), "refused": errors.As(err, &na)})
		return string(b)
	}
	var b []byte
	switch v := v.(type) {
	case []byte:
		b = append(append([]byte(`{"ok":`), v...), '}')
	case json.RawMessage:
		b = append(append([]byte(`{"ok":`), v...), '}')
	default:
		j, e := json.Marshal(v)
		if e != nil {
			return reply(nil, e)
		}
		b = append(append([]byte(`{"ok":`), j...), '}')
	}
	return string(b)
}

func fn(f func(args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (out any) {
		defer func() {
			if r := recover(); r != nil {
				out = reply(nil, fmt.Errorf("internal error: %v", r))
			}
		}()
		return reply(f(args))
	})
}

func getSim(v js.Value) (*api.Sim, error) {
	x, ok := sims[v.Int()]
	if !ok {
		return nil, fmt.Errorf("no simulation %d (disposed?)", v.Int())
	}
	return x, nil
}

func getScenario(v js.Value) (*api.Scenario, error) {
	s, ok := scenarios[v.Int()]
	if !ok {
		return nil, fmt.Errorf("no scenario %d", v.Int())
	}
	return s, nil
}

func add(x *api.Sim) int {
	id := nextID
	nextID++
	sims[id] = x
	return id
}

type runReply struct {
	Matched bool            `json:"matched"`
	Error   string          `json:"error,omitempty"`
	Records json.RawMessage `json:"records"`
	Status  api.Status      `json:"status"`
}

func main() {
	o := map[string]any{
		"catalog": fn(func([]js.Value) (any, error) { return api.CatalogJSON(), nil }),
		"create": fn(func(a []js.Value) (any, error) {
			cfg, err := api.ParseConfig([]byte(a[0].String()))
			if err != nil {
				return nil, err
			}
			x, err := api.New(cfg)
			if err != nil {
				return nil, err
			}
			return add(x), nil
		}),
		"createFromScenario": fn(func(a []js.Value) (any, error) {
			s, err := getScenario(a[0])
			if err != nil {
				return nil, err
			}
			x, err := api.New(s.Config())
			if err != nil {
				return nil, err
			}
			return add(x), nil
		}),
		"dispose": fn(func(a []js.Value) (any, error) {
			delete(sims, a[0].Int())
			delete(scenarios, a[0].Int())
			return true, nil
		}),
		"step": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			var in sim.Input
			if err := json.Unmarshal([]byte(a[1].String()), &in); err != nil {
				return nil, err
			}
			if err := x.Step(in); err != nil {
				return nil, err
			}
			return x.Status(), nil
		}),
		"run": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			matched, err := x.RunNext(int64(a[1].Float()))
			r := runReply{Matched: matched, Records: x.Take(), Status: x.Status()}
			if err != nil {
				r.Error = x.LimitText(err)
			}
			return r, nil
		}),
		"take": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			return x.Take(), nil
		}),
		"status": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			return x.Status(), nil
		}),
		"rejoin": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			return true, x.Rejoin(a[1].String())
		}),
		"violation": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			return x.Violation(a[1].Bool()), nil
		}),
		"parse": fn(func(a []js.Value) (any, error) {
			s, err := api.ParseScenario(a[0].String(), []byte(a[1].String()))
			if err != nil {
				return nil, err
			}
			id := nextID
			nextID++
			scenarios[id] = s
			return json.RawMessage(fmt.Appendf(nil, `{"id":%d,"scenario":%s}`, id, s.JSON())), nil
		}),
		"find": fn(func(a []js.Value) (any, error) {
			s, err := getScenario(a[0])
			if err != nil {
				return nil, err
			}
			x, err := getSim(a[2])
			if err != nil {
				return nil, err
			}
			return s.Find(a[1].Int(), x, a[3].Int()), nil
		}),
		"stateMatches": fn(func(a []js.Value) (any, error) {
			s, err := getScenario(a[0])
			if err != nil {
				return nil, err
			}
			x, err := getSim(a[2])
			if err != nil {
				return nil, err
			}
			return s.StateMatches(a[1].Int(), x), nil
		}),
		"describe": fn(func(a []js.Value) (any, error) {
			x, err := getSim(a[0])
			if err != nil {
				return nil, err
			}
			return api.DescribeRecords(x, a[1].Int(), a[2].Int()), nil
		}),
		"runNative": fn(func(a []js.Value) (any, error) {
			s, err := getScenario(a[0])
			if err != nil {
				return nil, err
			}
			return json.RawMessage(s.RunNative()), nil
		}),
	}
	deployFuncs(o)
	js.Global().Set("__confsim", js.ValueOf(o))
	if cb := js.Global().Get("__confsimReady"); cb.Type() == js.TypeFunction {
		cb.Invoke()
	}
	select {}
}
