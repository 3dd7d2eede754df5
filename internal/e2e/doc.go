// Package e2e runs real Debian Wayland clients (wayland-info, weston demo
// clients, foot, GTK 3, imv, Xwayland, wl-clipboard) against the real
// compositor binary and checks what they do and what the screen shows.
package e2e
