package server

import (
	"testing"

	"github.com/nofault/nofault/protocol"
	"github.com/rajveermalviya/go-wayland/wayland/client"
)

// connectGo connects a go-wayland client and collects globals.
func connectGo(t *testing.T, path string) (*client.Display, *client.Registry, map[string]client.RegistryGlobalEvent) {
	t.Helper()
	disp, err := client.Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disp.Context().Close() })
	reg, err := disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	globals := map[string]client.RegistryGlobalEvent{}
	reg.SetGlobalHandler(func(e client.RegistryGlobalEvent) { globals[e.Interface] = e })
	roundtrip(t, disp)
	return disp, reg, globals
}

func roundtrip(t *testing.T, disp *client.Display) {
	t.Helper()
	cb, err := disp.Sync()
	if err != nil {
		t.Fatal(err)
	}
	done := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { done = true })
	for !done {
		if err := disp.Context().Dispatch(); err != nil {
			t.Fatal(err)
		}
	}
}

func compositorGlobal(d *Display) {
	d.AddGlobal(&protocol.WlCompositorInterface, 4, func(c *Client, id protocol.ObjectID, v uint32) {
		c.NewObject(id, &protocol.WlCompositorInterface, v, nil)
	})
}

// TestGoClientBindErrors binds with go-wayland's client the way a buggy
// client would and checks libwayland's registry errors arrive on the
// registry object.
func TestGoClientBindErrors(t *testing.T) {
	tests := []struct {
		name    string
		bind    func(reg *client.Registry, g client.RegistryGlobalEvent, p client.Proxy) error
		message string
	}{
		{"version too high", func(r *client.Registry, g client.RegistryGlobalEvent, p client.Proxy) error {
			return r.Bind(g.Name, g.Interface, g.Version+1, p)
		}, "invalid version for global wl_compositor (1): have 4, wanted 5"},
		{"version zero", func(r *client.Registry, g client.RegistryGlobalEvent, p client.Proxy) error {
			return r.Bind(g.Name, g.Interface, 0, p)
		}, "invalid version for global wl_compositor (1): 0 is not a valid version"},
		{"unknown name", func(r *client.Registry, g client.RegistryGlobalEvent, p client.Proxy) error {
			return r.Bind(4242, g.Interface, 1, p)
		}, "invalid global wl_compositor (4242)"},
		{"wrong interface", func(r *client.Registry, g client.RegistryGlobalEvent, p client.Proxy) error {
			return r.Bind(g.Name, "wl_shm", 1, p)
		}, "invalid interface for global 1: have wl_shm, wanted wl_compositor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, path := startDisplay(t, compositorGlobal)
			disp, reg, globals := connectGo(t, path)
			var got *client.DisplayErrorEvent
			disp.SetErrorHandler(func(e client.DisplayErrorEvent) { got = &e })
			comp := client.NewCompositor(disp.Context())
			if err := tc.bind(reg, globals["wl_compositor"], comp); err != nil {
				t.Fatal(err)
			}
			for got == nil {
				if err := disp.Context().Dispatch(); err != nil {
					t.Fatalf("connection ended without an error event: %v", err)
				}
			}
			if got.ObjectId != reg || got.Code != protocol.ErrorInvalidObject || got.Message != tc.message {
				t.Fatalf("error on %v code %d %q; want the registry, code 0, %q", got.ObjectId, got.Code, got.Message, tc.message)
			}
		})
	}
}

// TestGoClientSyncOrdering sends several syncs in a row: the callbacks must
// fire in request order, each followed by the deletion of its id.
func TestGoClientSyncOrdering(t *testing.T) {
	_, path := startDisplay(t, compositorGlobal)
	disp, _, _ := connectGo(t, path)
	var order []int
	deleted := map[uint32]int{} // id -> number of done events before its delete_id
	disp.SetDeleteIdHandler(func(e client.DisplayDeleteIdEvent) { deleted[e.Id] = len(order) })
	var cbs []*client.Callback
	for i := 0; i < 5; i++ {
		cb, err := disp.Sync()
		if err != nil {
			t.Fatal(err)
		}
		i := i
		cb.SetDoneHandler(func(client.CallbackDoneEvent) { order = append(order, i) })
		cbs = append(cbs, cb)
	}
	allDeleted := func() bool {
		for _, cb := range cbs {
			if _, ok := deleted[cb.ID()]; !ok {
				return false
			}
		}
		return true
	}
	// The delete_id of connectGo's own roundtrip callback may still be
	// queued: wait for this test's ids specifically.
	for len(order) < 5 || !allDeleted() {
		if err := disp.Context().Dispatch(); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("callbacks fired in order %v", order)
		}
	}
	// Each id is deleted right after its own done, as libwayland does.
	for i, cb := range cbs {
		n, ok := deleted[cb.ID()]
		if !ok {
			t.Fatalf("no delete_id for callback %d", cb.ID())
		}
		if n != i+1 {
			t.Fatalf("delete_id of callback %d came after %d done events, want %d", i, n, i+1)
		}
	}
}
