package main

import (
	"fmt"
	"io"
)

func cmdRandom(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "simulate random: not implemented yet")
	return 2
}

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "simulate explore: not implemented yet")
	return 2
}

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "simulate merge: not implemented yet")
	return 2
}
