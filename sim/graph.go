package sim

import (
	"fmt"
	"strings"
)

// Mermaid renders the conference lifecycle and the Jingle session machine as
// Mermaid state diagrams, from the same transition tables the engines use.
func Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	writeMermaid(&b, "conference", conferenceSpec)
	writeMermaid(&b, "jingle session", sessionSpec)
	return b.String()
}

func writeMermaid(b *strings.Builder, title string, sp *spec) {
	id := strings.ReplaceAll(title, " ", "_")
	fmt.Fprintf(b, "  state %q as %s {\n", title, id)
	fmt.Fprintf(b, "    [*] --> %s\n", mermaidID(id, sp.states[0]))
	for _, t := range sp.transitions {
		for _, src := range t.src {
			fmt.Fprintf(b, "    %s --> %s: %s\n", mermaidID(id, src), mermaidID(id, t.dst), t.event)
		}
	}
	b.WriteString("  }\n")
}

func mermaidID(prefix, state string) string {
	return prefix + "_" + strings.ReplaceAll(state, "-", "_")
}

// Graphviz renders both machines as a DOT digraph with one cluster each.
func Graphviz() string {
	var b strings.Builder
	b.WriteString("digraph lifecycle {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n")
	writeDOT(&b, "conference", conferenceSpec)
	writeDOT(&b, "jingle session", sessionSpec)
	b.WriteString("}\n")
	return b.String()
}

func writeDOT(b *strings.Builder, title string, sp *spec) {
	id := strings.ReplaceAll(title, " ", "_")
	fmt.Fprintf(b, "  subgraph cluster_%s {\n    label=%q;\n", id, title)
	for _, st := range sp.states {
		fmt.Fprintf(b, "    %q [label=%q];\n", id+"/"+st, st)
	}
	for _, t := range sp.transitions {
		for _, src := range t.src {
			fmt.Fprintf(b, "    %q -> %q [label=%q];\n", id+"/"+src, id+"/"+t.dst, t.event)
		}
	}
	b.WriteString("  }\n")
}

// ConferenceStates lists the conference lifecycle states in order.
func ConferenceStates() []string { return append([]string(nil), conferenceSpec.states...) }

// SessionStates lists the Jingle session states in order.
func SessionStates() []string { return append([]string(nil), sessionSpec.states...) }
