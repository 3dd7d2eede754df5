package protocol

// The XML inputs: Debian's libwayland-dev 1.21 and wayland-protocols 1.31,
// and the project's own files under xml/.

//go:generate go run ./internal/wlgen -o wayland.gen.go /usr/share/wayland/wayland.xml
//go:generate go run ./internal/wlgen -o xdg_shell.gen.go /usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml
//go:generate go run ./internal/wlgen -o xdg_output.gen.go /usr/share/wayland-protocols/unstable/xdg-output/xdg-output-unstable-v1.xml
//go:generate go run ./internal/wlgen -o wlr_screencopy.gen.go xml/wlr-screencopy-unstable-v1.xml
//go:generate go run ./internal/wlgen -o primary_selection.gen.go /usr/share/wayland-protocols/unstable/primary-selection/primary-selection-unstable-v1.xml
//go:generate go run ./internal/wlgen -o gtk_primary_selection.gen.go xml/gtk-primary-selection.xml
//go:generate go run ./internal/wlgen -o xdg_activation.gen.go /usr/share/wayland-protocols/staging/xdg-activation/xdg-activation-v1.xml
//go:generate go run ./internal/wlgen -o text_input.gen.go /usr/share/wayland-protocols/unstable/text-input/text-input-unstable-v3.xml
//go:generate go run ./internal/wlgen -o xdg_decoration.gen.go /usr/share/wayland-protocols/unstable/xdg-decoration/xdg-decoration-unstable-v1.xml
//go:generate go run ./internal/wlgen -o relative_pointer.gen.go /usr/share/wayland-protocols/unstable/relative-pointer/relative-pointer-unstable-v1.xml
//go:generate go run ./internal/wlgen -o pointer_constraints.gen.go /usr/share/wayland-protocols/unstable/pointer-constraints/pointer-constraints-unstable-v1.xml
//go:generate go run ./internal/wlgen -o idle_inhibit.gen.go /usr/share/wayland-protocols/unstable/idle-inhibit/idle-inhibit-unstable-v1.xml
//go:generate go run ./internal/wlgen -o keyboard_shortcuts_inhibit.gen.go /usr/share/wayland-protocols/unstable/keyboard-shortcuts-inhibit/keyboard-shortcuts-inhibit-unstable-v1.xml
//go:generate go run ./internal/wlgen -o presentation_time.gen.go /usr/share/wayland-protocols/stable/presentation-time/presentation-time.xml
//go:generate go run ./internal/wlgen -o cursor_shape.gen.go xml/cursor-shape-v1.xml
//go:generate go run ./internal/wlgen -o text_input_v1.gen.go /usr/share/wayland-protocols/unstable/text-input/text-input-unstable-v1.xml
//go:generate go run ./internal/wlgen -o viewporter.gen.go /usr/share/wayland-protocols/stable/viewporter/viewporter.xml
//go:generate go run ./internal/wlgen -o single_pixel_buffer.gen.go /usr/share/wayland-protocols/staging/single-pixel-buffer/single-pixel-buffer-v1.xml
//go:generate go run ./internal/wlgen -o fractional_scale.gen.go /usr/share/wayland-protocols/staging/fractional-scale/fractional-scale-v1.xml
//go:generate go run ./internal/wlgen -o wlr_virtual_pointer.gen.go xml/wlr-virtual-pointer-unstable-v1.xml
