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
// any sequence of at most Depth (<= MaxDepth) inputs from the
// configurations tried, with the inputs of choices (campaign.ActionInput's
// arguments, every fault) and the model settled between inputs. Races
// between inputs in flight are the random campaigns' business.
package explore

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// The bound on the number of inputs: the search grows about 25-fold per
// input (depth 3 takes 0.1 s; depth 4 about 3 s and 120 MB; depth 5 over a
// minute and 2 GB), so Run refuses more than MaxDepth.
const (
	DefaultDepth = 3
	MaxDepth     = 4
)

// Options bound an exploration.
type Options struct {
	Profile sim.Profile
	// Depth is the largest number of inputs in a sequence (default
	// DefaultDepth, at most MaxDepth).
	Depth int
	// Configs are the starting configurations (default: Configs()).
	Configs []sim.Config
	// Workers explore configurations side by side (default: GOMAXPROCS).
	Workers int
}

// Configs are the default starting configurations, P2P off: a fresh room
// with a named client, the same with another participant already there (so that
// media starts), and a room with a lobby.
func Configs() []sim.Config {
	base := sim.Config{Client: sim.Client{DisplayName: "Alice"}, Deployment: sim.Deployment{P2P: new(false)}}
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
	File string `json:"file,omitempty"`
	// Run is the witness itself, to replay or write as a scenario file.
	Run *Witness `json:"-"`
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
	Transitions int           `json:"transitions"`
	Errors      []ErrorResult `json:"errors"`
}

// choice is one input the search can apply.
type choice struct {
	in    sim.Input
	label string
}

// highest is the Chooser that always draws the highest number: with it
// campaign.ActionInput gives join and login the room's password, lock
// campaign.RoomPassword, send-chat its text, and kick and destroy no reason.
type highest struct{}

func (highest) IntN(n int) int { return n - 1 }

// choices are the inputs tried from every node: every action in sim.Actions
// order with the arguments above, then every fault in campaign.Faults order.
func choices(cfg *sim.Config) []choice {
	var out []choice
	for _, a := range sim.Actions {
		in := campaign.ActionInput(a, highest{}, cfg)
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

// configResult is what the search from one configuration found.
type configResult struct {
	nodes   int
	states  map[sim.State]bool
	edges   map[edge]bool
	witness [catalog.NumErrors][]uint8
}

// Run explores.
func Run(opts Options) (*Result, error) {
	if opts.Depth == 0 {
		opts.Depth = DefaultDepth
	}
	if opts.Depth < 0 || opts.Depth > MaxDepth {
		return nil, fmt.Errorf("explore: depth %d: want 1 to %d", opts.Depth, MaxDepth)
	}
	if opts.Profile == "" {
		opts.Profile = sim.ProfileDocumented
	}
	if opts.Configs == nil {
		opts.Configs = Configs()
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
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
	results := make([]*configResult, len(cfgs))
	panics := make([]any, len(cfgs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, opts.Workers)
	for i := range cfgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() {
				// A panic is the caller's to report, on its goroutine.
				panics[i] = recover()
				<-sem
				wg.Done()
			}()
			results[i] = search(cfgs[i], opts.Depth)
		}()
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}

	res := &Result{Profile: opts.Profile, Depth: opts.Depth, Configs: len(cfgs)}
	states := map[sim.State]bool{}
	edges := map[edge]bool{}
	for _, r := range results {
		res.Nodes += r.nodes
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
				w.Steps = append(w.Steps, campaign.InputStep(cs[k].in), campaign.SettleStep())
				er.Witness = append(er.Witness, cs[k].label)
			}
			if !settles(w.Config, path, cs) {
				// The run never settles: lib-jitsi-meet d630bc32 retries a
				// refused conference request for ever. A replayable
				// witness waits a minute instead of the last settle, then
				// lets the focus answer.
				w.Steps[len(w.Steps)-1] = campaign.WaitStep(60000)
				w.Steps = append(w.Steps, campaign.InputStep(sim.Input{Fault: "focus-recovers"}), campaign.SettleStep())
			}
			er.Reachable, er.Steps, er.Run = true, len(path), w
		}
		res.Errors = append(res.Errors, er)
	}
	return res, nil
}

// search is the breadth-first search from one configuration.
func search(cfg sim.Config, depth int) *configResult {
	r := &configResult{states: map[sim.State]bool{}, edges: map[edge]bool{}}
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
				nodeKey := key{st, m}
				if seen[nodeKey] {
					continue
				}
				seen[nodeKey] = true
				r.nodes++
				next = append(next, node{path: path, mask: m, st: st})
			}
		}
		frontier = next
	}
	return r
}

// settles says whether the run of path from cfg settles after its last
// input within the run's limits.
func settles(cfg sim.Config, path []uint8, cs []choice) bool {
	s, err := sim.New(cfg)
	if err != nil {
		return false
	}
	for _, k := range path {
		if s.Step(cs[k].in) != nil {
			return false
		}
		if s.Settle() != nil {
			return false
		}
	}
	return true
}
