package protocol

// The XML inputs: Debian's libwayland-dev 1.21 and wayland-protocols 1.31,
// and the project's own files under xml/.

//go:generate go run ./internal/wlgen -o wayland.gen.go /usr/share/wayland/wayland.xml
//go:generate go run ./internal/wlgen -o xdg_shell.gen.go /usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml
//go:generate go run ./internal/wlgen -o xdg_output.gen.go /usr/share/wayland-protocols/unstable/xdg-output/xdg-output-unstable-v1.xml
//go:generate go run ./internal/wlgen -o wlr_screencopy.gen.go xml/wlr-screencopy-unstable-v1.xml
