module github.com/nofault/nofault

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/go-gl/gl v0.0.0-20231021071112-07e5d0ea2e71
	github.com/go-gl/glfw/v3.3/glfw v0.0.0-20260823155953-d41da22a9587
	golang.org/x/sys v0.49.0
)

require github.com/rajveermalviya/go-wayland/wayland v0.0.0-20230130181619-0ad78d1310b2
