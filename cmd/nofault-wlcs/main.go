//go:build cgo

// Command nofault-wlcs is nofault's WlcsServerIntegration, built with
//
//	go build -buildmode=c-shared -o bin/nofault-wlcs.so ./cmd/nofault-wlcs
//
// and loaded by Canonical's WLCS runner:
//
//	/usr/lib/x86_64-linux-gnu/wlcs/wlcs bin/nofault-wlcs.so [GTEST OPTIONS] [NOFAULT FLAGS]
//
// `make wlcs` does both and prints the summary; docs/conformance.md has the
// results. The compositor is package wlcs's: a headless nofault in process.
// This package is only the C boundary: shim.c holds the C structs, and the
// functions below, which shim.c calls, turn handles into Go values, never
// let a Go panic unwind into C++, and log failures (WLCS's hooks return
// nothing, so the test then fails on what it observes). NOFAULT_WLCS_LOG
// (debug, info, warn, error; default warn) sets the log level.
package main

/*
#cgo pkg-config: wayland-client
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/cgo"
	"runtime/debug"
	"unsafe"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/wlcs"
)

func main() {}

func init() {
	level := slog.LevelWarn
	if v := os.Getenv("NOFAULT_WLCS_LOG"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			fmt.Fprintf(os.Stderr, "nofault-wlcs: NOFAULT_WLCS_LOG=%q: %v\n", v, err)
		}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
}

// guard recovers a panic in an exported function: it must not unwind into
// the C++ caller.
func guard(name string) {
	if r := recover(); r != nil {
		slog.Error("nofault-wlcs: panic", "hook", name, "panic", r, "stack", string(debug.Stack()))
	}
}

func logErr(name string, err error) {
	if err != nil {
		slog.Error("nofault-wlcs: hook failed", "hook", name, "err", err)
	}
}

func serverOf(h C.uintptr_t) *wlcs.Server { return cgo.Handle(h).Value().(*wlcs.Server) }

//export nofaultCreate
func nofaultCreate(argc C.int, argv **C.char) (h C.uintptr_t) {
	defer guard("create_server")
	var args []string
	if argc > 1 && argv != nil {
		for _, a := range unsafe.Slice(argv, int(argc))[1:] {
			args = append(args, C.GoString(a))
		}
	}
	s, err := wlcs.New(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(s))
}

//export nofaultDestroy
func nofaultDestroy(h C.uintptr_t) {
	defer guard("destroy_server")
	s := serverOf(h)
	s.Stop()
	s.Close()
	cgo.Handle(h).Delete()
}

//export nofaultExtensionCount
func nofaultExtensionCount(h C.uintptr_t) (n C.size_t) {
	defer guard("get_descriptor")
	return C.size_t(len(serverOf(h).Extensions()))
}

// nofaultExtension returns extension i's name (malloc'ed: the caller frees
// it) and version.
//
//export nofaultExtension
func nofaultExtension(h C.uintptr_t, i C.size_t, version *C.uint32_t) (name *C.char) {
	defer guard("get_descriptor")
	exts := serverOf(h).Extensions()
	if int(i) >= len(exts) {
		return C.CString("")
	}
	*version = C.uint32_t(exts[i].Version)
	return C.CString(exts[i].Name)
}

//export nofaultStart
func nofaultStart(h C.uintptr_t) {
	defer guard("start")
	logErr("start", serverOf(h).Start())
}

//export nofaultStop
func nofaultStop(h C.uintptr_t) {
	defer guard("stop")
	serverOf(h).Stop()
}

//export nofaultClientSocket
func nofaultClientSocket(h C.uintptr_t) (fd C.int) {
	fd = -1
	defer guard("create_client_socket")
	n, err := serverOf(h).ClientSocket()
	logErr("create_client_socket", err)
	return C.int(n)
}

//export nofaultPositionWindow
func nofaultPositionWindow(h C.uintptr_t, clientFD C.int, surfaceID C.uint32_t, x, y C.int) {
	defer guard("position_window_absolute")
	logErr("position_window_absolute", serverOf(h).PositionWindow(int(clientFD), uint32(surfaceID), int(x), int(y)))
}

func fixed(v C.int32_t) float64 { return protocol.Fixed(v).Float() }

//export nofaultNewPointer
func nofaultNewPointer(h C.uintptr_t) (ph C.uintptr_t) {
	defer guard("create_pointer")
	p, err := serverOf(h).NewPointer()
	logErr("create_pointer", err)
	return C.uintptr_t(cgo.NewHandle(p))
}

//export nofaultPointerMove
func nofaultPointerMove(ph C.uintptr_t, relative C.int, x, y C.int32_t) {
	defer guard("pointer move")
	p := cgo.Handle(ph).Value().(*wlcs.Pointer)
	if relative != 0 {
		logErr("move_relative", p.MoveBy(fixed(x), fixed(y)))
	} else {
		logErr("move_absolute", p.MoveTo(fixed(x), fixed(y)))
	}
}

//export nofaultPointerButton
func nofaultPointerButton(ph C.uintptr_t, button C.int, down C.int) {
	defer guard("pointer button")
	p := cgo.Handle(ph).Value().(*wlcs.Pointer)
	logErr("button", p.Button(uint32(button), down != 0))
}

//export nofaultNewTouch
func nofaultNewTouch(h C.uintptr_t) (th C.uintptr_t) {
	defer guard("create_touch")
	t, err := serverOf(h).NewTouch()
	logErr("create_touch", err)
	return C.uintptr_t(cgo.NewHandle(t))
}

// nofaultTouch is touch_down (op 0), touch_move (1) and touch_up (2).
// touch.h declares x and y as wl_fixed_t, but WLCS 1.5.0 passes whole
// pixels (Touch::Impl::down_at hands its ints through unconverted), and
// Mir's integration reads them as ints: so do we.
//
//export nofaultTouch
func nofaultTouch(th C.uintptr_t, op C.int, x, y C.int32_t) {
	defer guard("touch")
	t := cgo.Handle(th).Value().(*wlcs.Touch)
	switch op {
	case 0:
		logErr("touch_down", t.Down(float64(x), float64(y)))
	case 1:
		logErr("touch_move", t.Move(float64(x), float64(y)))
	default:
		logErr("touch_up", t.Up())
	}
}

//export nofaultDeviceDestroy
func nofaultDeviceDestroy(dh C.uintptr_t) {
	defer guard("device destroy")
	d := cgo.Handle(dh).Value().(interface{ Destroy() error })
	logErr("device destroy", d.Destroy())
	cgo.Handle(dh).Delete()
}
