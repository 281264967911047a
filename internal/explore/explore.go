// Package explore searches the model exhaustively, up to a bound: for each
// of a few starting configurations, a breadth-first search over input
// sequences (every action the model allows, every fault), each input
// followed by running the model until nothing more is scheduled. Every
// node is replayed from scratch on a reset sim, so the search needs nothing
// of the model but its public API.
//
// Nodes are identified by the model state after the input together with the
// set of inputs applied so far (faults arm conditions of the server side
// that the state does not show; the set stands for them). Terminal states
// are not expanded. Breadth-first order makes the first sequence that
// reaches an error a shortest witness, within the configurations tried.
//
// What the bound means: an error reported unreachable is unreachable by
// any sequence of at most Depth inputs from the configurations tried, with
// the model settled between inputs. Races between inputs in flight are the
// random campaigns' business.
package explore

import (
	"errors"
	"sort"
	"sync"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// Options bound an exploration.
type Options struct {
	Profile sim.Profile
	// Depth is the largest number of inputs in a sequence (default 3).
	Depth int
	// Configs are the starting configurations (default: Configs()).
	Configs []sim.Config
	// Workers explore configurations side by side (default 1).
	Workers int
}

// Configs are the default starting configurations: a fresh room with a
// named client, the same with another participant already there (so that
// media starts), and a room with a lobby.
func Configs() []sim.Config {
	base := sim.Config{Client: sim.Client{DisplayName: "Alice"}}
	withPeer := base
	withPeer.Room.Occupants = 1
	lobby := base
	lobby.Room.Lobby = true
	lobby.Room.Occupants = 1
	return []sim.Config{base, withPeer, lobby}
}

// Witness is a shortest input sequence that reaches an error.
type Witness struct {
	Config sim.Config
	Steps  []campaign.Step // inputs, each followed by a settle
	Inputs []string        `json:"-"`
}

// ErrorResult is the verdict on one error.
type ErrorResult struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Reachable bool   `json:"reachable"`
	// Steps is the number of inputs of the shortest witness.
	Steps int `json:"steps,omitempty"`
	// Witness is the witness's inputs, readable; the scenario file has it
	// in full.
	Witness []string `json:"witness"`
	// File is the witness scenario file, when written.
	File string   `json:"file,omitempty"`
	W    *Witness `json:"-"`
}

// Result is an exploration's outcome.
type Result struct {
	Profile sim.Profile `json:"profile"`
	Depth   int         `json:"depth"`
	Configs int         `json:"configs"`
	// Nodes is the number of distinct nodes explored.
	Nodes int `json:"nodes"`
	// States is the number of distinct model states seen (in records and
	// after each input).
	States int `json:"states"`
	// Transitions is the number of distinct (state, input, state) edges.
	Transitions int `json:"transitions"`
	// Exhausted says the search ran out of nodes before the bound.
	Exhausted bool          `json:"exhausted"`
	Errors    []ErrorResult `json:"errors"`
}

// choice is one input the search can apply.
type choice struct {
	in    sim.Input
	label string
}

func choices(cfg *sim.Config) []choice {
	var out []choice
	for _, a := range sim.Actions {
		in := sim.Input{Action: a}
		switch a {
		case sim.ActionJoin, sim.ActionLogin:
			in.Password = cfg.Room.Password
		case sim.ActionLock:
			in.Password = campaign.RoomPassword
		case sim.ActionSendChat:
			in.Text = "hello"
		}
		out = append(out, choice{in, in.String()})
	}
	for _, f := range campaign.Faults() {
		out = append(out, choice{f.Input, f.Input.String()})
	}
	return out
}

type key struct {
	st   sim.State
	mask [2]uint64
}

type node struct {
	path []uint8
	mask [2]uint64
	st   sim.State
}

type edge struct {
	from sim.State
	in   uint8
	to   sim.State
}

// perConfig is what one configuration's search found.
type perConfig struct {
	nodes     int
	states    map[sim.State]bool
	edges     map[edge]bool
	witness   [catalog.NumErrors][]uint8
	exhausted bool
}

// Run explores.
func Run(opts Options) (*Result, error) {
	if opts.Depth <= 0 {
		opts.Depth = 3
	}
	if opts.Profile == "" {
		opts.Profile = sim.ProfileDocumented
	}
	if opts.Configs == nil {
		opts.Configs = Configs()
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if len(opts.Configs) > 255 {
		return nil, errors.New("explore: at most 255 configurations")
	}
	cfgs := make([]sim.Config, len(opts.Configs))
	for i, c := range opts.Configs {
		c.Profile = opts.Profile
		c.Engine = sim.EngineTable
		cfgs[i] = c
	}
	if _, err := sim.New(cfgs[0]); err != nil {
		return nil, err
	}
	results := make([]*perConfig, len(cfgs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, opts.Workers)
	for i := range cfgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = search(cfgs[i], opts.Depth)
		}()
	}
	wg.Wait()

	res := &Result{Profile: opts.Profile, Depth: opts.Depth, Configs: len(cfgs), Exhausted: true}
	states := map[sim.State]bool{}
	edges := map[edge]bool{}
	for _, r := range results {
		res.Nodes += r.nodes
		res.Exhausted = res.Exhausted && r.exhausted
		for s := range r.states {
			states[s] = true
		}
		for e := range r.edges {
			edges[e] = true
		}
	}
	res.States, res.Transitions = len(states), len(edges)
	for _, e := range catalog.Errors() {
		er := ErrorResult{Name: e.Name, Value: e.Value, Witness: []string{}}
		best := -1
		for ci, r := range results {
			if w := r.witness[e.ID]; w != nil && (best < 0 || len(w) < len(results[best].witness[e.ID])) {
				best = ci
			}
		}
		if best >= 0 {
			path := results[best].witness[e.ID]
			cs := choices(&cfgs[best])
			w := &Witness{Config: cfgs[best]}
			for _, k := range path {
				w.Steps = append(w.Steps, campaign.Step{Input: cs[k].in}, campaign.Step{Wait: -1})
				er.Witness = append(er.Witness, cs[k].label)
			}
			er.Reachable, er.Steps, er.W = true, len(path), w
		}
		res.Errors = append(res.Errors, er)
	}
	return res, nil
}

// search is the breadth-first search from one configuration.
func search(cfg sim.Config, depth int) *perConfig {
	r := &perConfig{states: map[sim.State]bool{}, edges: map[edge]bool{}}
	s, err := sim.New(cfg)
	if err != nil {
		panic(err)
	}
	cs := choices(&cfg)
	seen := map[key]bool{}
	var errs [catalog.NumErrors]bool
	s.OnRecord = func(rec *sim.Record) {
		r.states[rec.State] = true
		if rec.HasErr {
			errs[rec.Err] = true
		}
	}
	// replay runs path from scratch; it reports whether every input was
	// accepted and the model ran without an internal error.
	replay := func(path []uint8) bool {
		errs = [catalog.NumErrors]bool{}
		if s.Reset(cfg) != nil {
			return false
		}
		for _, k := range path {
			if err := s.Step(cs[k].in); err != nil {
				return false
			}
			if err := s.Settle(); err != nil && !errors.Is(err, sim.ErrLimit) {
				return false
			}
		}
		return true
	}
	pruned := false
	frontier := []node{{st: sim.State{}}}
	r.states[sim.State{}] = true
	seen[key{}] = true
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []node
		last := d == depth-1
		for _, n := range frontier {
			if n.st.Conference.Terminal() {
				continue
			}
			for k := range cs {
				if last && n.st.Conference == sim.Disconnected && cs[k].in.Fault != "" {
					// A fault before the connection only arms a condition:
					// at the bound nothing could come of it.
					pruned = true
					continue
				}
				path := append(append(make([]uint8, 0, len(n.path)+1), n.path...), uint8(k))
				if !replay(path) {
					continue
				}
				st := s.State()
				r.states[st] = true
				r.edges[edge{n.st, uint8(k), st}] = true
				for id, hit := range errs {
					if hit && r.witness[id] == nil {
						r.witness[id] = path
					}
				}
				m := n.mask
				m[k/64] |= 1 << (k % 64)
				kk := key{st, m}
				if seen[kk] {
					continue
				}
				seen[kk] = true
				r.nodes++
				next = append(next, node{path: path, mask: m, st: st})
			}
		}
		frontier = next
	}
	r.exhausted = len(frontier) == 0 && !pruned
	return r
}

// Reachable lists the values of the reachable errors, sorted.
func (r *Result) Reachable() []string {
	var out []string
	for _, e := range r.Errors {
		if e.Reachable {
			out = append(out, e.Value)
		}
	}
	sort.Strings(out)
	return out
}
