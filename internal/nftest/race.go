//go:build race

package nftest

const raceEnabled = true
