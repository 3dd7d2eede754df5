// Command soak runs the issue 8 soak against a running compositor: many
// clients connecting, creating pools and surfaces, committing at 60 Hz,
// misbehaving at random and disconnecting, with a bystander measuring its
// frame callbacks. It prints the report as JSON. make soak runs the same
// soak as a test, with the leak and RSS checks.
//
//	soak [--socket PATH] [--clients 200] [--duration 60s] [--misbehave 0.2]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nofault/nofault/internal/misbehave"
)

func main() {
	socket := flag.String("socket", "", "compositor socket (default: $WAYLAND_DISPLAY in $XDG_RUNTIME_DIR)")
	clients := flag.Int("clients", 200, "clients at once")
	dur := flag.Duration("duration", 60*time.Second, "how long clients keep starting sessions")
	rate := flag.Float64("misbehave", 0.2, "probability that a session misbehaves")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	flag.Parse()
	rep, err := misbehave.Soak(misbehave.SoakOptions{Socket: *socket, Clients: *clients, Duration: *dur, Misbehave: *rate, Seed: *seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(rep)
	if rep.HonestFailures > 0 || rep.Bystander.Error != "" || rep.Bystander.MaxGap > time.Second {
		os.Exit(1)
	}
}
