//go:build !race

package keyfactor_test

// raceEnabled loosens timing-sensitive bounds under the race detector.
const raceEnabled = false
