package shell

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// The request handlers, checked at compile time.
var (
	_ protocol.WlCompositorHandler    = (*compositor)(nil)
	_ protocol.WlSurfaceHandler       = (*Surface)(nil)
	_ protocol.WlRegionHandler        = (*region)(nil)
	_ protocol.WlSubcompositorHandler = (*subcompositor)(nil)
	_ protocol.WlSubsurfaceHandler    = (*subsurface)(nil)
	_ protocol.XdgWmBaseHandler       = (*wmBase)(nil)
	_ protocol.XdgPositionerHandler   = (*positioner)(nil)
	_ protocol.XdgSurfaceHandler      = (*xdgSurface)(nil)
	_ protocol.XdgToplevelHandler     = (*xdgToplevel)(nil)
	_ protocol.XdgPopupHandler        = (*xdgPopup)(nil)

	_ server.Destroyer = (*Surface)(nil)
	_ server.Destroyer = (*subsurface)(nil)
	_ server.Destroyer = (*wmBase)(nil)
	_ server.Destroyer = (*xdgSurface)(nil)
	_ server.Destroyer = (*xdgToplevel)(nil)
	_ server.Destroyer = (*xdgPopup)(nil)
)
