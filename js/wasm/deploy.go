//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/jitsi-sim/confsim/internal/deploy"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/internal/xmpp"
	"github.com/jitsi-sim/confsim/sim"
)

// The fake deployment (internal/deploy) for startDeployment: the Node side
// carries its connections over a WebSocket server and ticks its clock.

var (
	deployments = map[int]*deploy.Deployment{}
	conns       = map[int]*xmpp.Conn{}
)

// jsTransport carries a connection's frames to the Node side's functions.
// They are called under the server's lock and must not call back.
type jsTransport struct{ write, close js.Value }

func (t jsTransport) Write(frame string) error {
	t.write.Invoke(frame)
	return nil
}

func (t jsTransport) Close(graceful bool) { t.close.Invoke(graceful) }

func getDeployment(v js.Value) (*deploy.Deployment, error) {
	d, ok := deployments[v.Int()]
	if !ok {
		return nil, fmt.Errorf("no deployment %d (closed?)", v.Int())
	}
	return d, nil
}

func getConn(v js.Value) (*xmpp.Conn, error) {
	c, ok := conns[v.Int()]
	if !ok {
		return nil, fmt.Errorf("no connection %d", v.Int())
	}
	return c, nil
}

func deployFuncs(o map[string]any) {
	// deployNew(filename, yaml, {manual, profile}) -> {id, warning, name}
	o["deployNew"] = fn(func(a []js.Value) (any, error) {
		sc, err := scenario.Parse(a[0].String(), []byte(a[1].String()))
		if err != nil {
			return nil, err
		}
		var opts struct {
			Manual  bool   `json:"manual"`
			Profile string `json:"profile"`
		}
		if err := json.Unmarshal([]byte(a[2].String()), &opts); err != nil {
			return nil, err
		}
		d, err := deploy.New(sc, deploy.Options{Manual: opts.Manual, Profile: sim.Profile(opts.Profile)})
		if err != nil {
			return nil, err
		}
		id := nextID
		nextID++
		deployments[id] = d
		return map[string]any{"id": id, "warning": d.Warning, "name": sc.Name,
			"conferenceRequestHttp": sc.Config.Deployment.ConferenceRequestHTTP}, nil
	})
	o["deployOpen"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		id := nextID
		nextID++
		conns[id] = d.Server().Open(jsTransport{write: a[1], close: a[2]})
		return id, nil
	})
	o["deployFrame"] = fn(func(a []js.Value) (any, error) {
		c, err := getConn(a[0])
		if err != nil {
			return nil, err
		}
		return c.Frame([]byte(a[1].String())), nil
	})
	o["deployBinary"] = fn(func(a []js.Value) (any, error) {
		c, err := getConn(a[0])
		if err != nil {
			return nil, err
		}
		c.Binary()
		return true, nil
	})
	o["deployReachability"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		ok, status, shard := d.Server().Reachability()
		return map[string]any{"ok": ok, "status": status, "shard": shard}, nil
	})
	o["deployGone"] = fn(func(a []js.Value) (any, error) {
		c, err := getConn(a[0])
		if err != nil {
			return nil, err
		}
		c.Gone()
		delete(conns, a[0].Int())
		return true, nil
	})
	o["deployTick"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		if err := d.Tick(int64(a[1].Float())); err != nil {
			return nil, err
		}
		return true, nil
	})
	o["deployControl"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		var c xmpp.ControlRequest
		if err := json.Unmarshal([]byte(a[1].String()), &c); err != nil {
			return nil, fmt.Errorf("control: %v", err)
		}
		return d.Control(c)
	})
	o["deployConferenceRequest"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		status, ctype, body := d.Server().ConferenceRequest([]byte(a[1].String()))
		return map[string]any{"status": status, "contentType": ctype, "body": string(body)}, nil
	})
	o["deployVerdict"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		return d.Verdict(), nil
	})
	o["deployTranscript"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		return d.Server().Transcript(), nil
	})
	o["deployConns"] = fn(func(a []js.Value) (any, error) {
		d, err := getDeployment(a[0])
		if err != nil {
			return nil, err
		}
		return d.Server().Conns(), nil
	})
	o["deployDispose"] = fn(func(a []js.Value) (any, error) {
		delete(deployments, a[0].Int())
		return true, nil
	})
}
