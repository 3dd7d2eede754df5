package seat

import "github.com/nofault/nofault/protocol"

// The request handlers implement the generated interfaces: a signature that
// drifts from the XML fails to compile instead of failing dispatch.
var (
	_ protocol.WlSeatHandler                      = (*seatResource)(nil)
	_ protocol.WlPointerHandler                   = (*pointerResource)(nil)
	_ protocol.WlKeyboardHandler                  = (*keyboardResource)(nil)
	_ protocol.WlTouchHandler                     = (*touchResource)(nil)
	_ protocol.ZwpPointerConstraintsV1Handler     = (*constraintsManager)(nil)
	_ protocol.ZwpLockedPointerV1Handler          = (*constraint)(nil)
	_ protocol.ZwpConfinedPointerV1Handler        = (*constraint)(nil)
	_ protocol.WpCursorShapeManagerV1Handler      = (*cursorShapeManager)(nil)
	_ protocol.WpCursorShapeDeviceV1Handler       = (*cursorShapeDevice)(nil)
	_ protocol.ZwpRelativePointerManagerV1Handler = relativeManager{}
	_ protocol.ZwpRelativePointerV1Handler        = (*relativePointer)(nil)
	_ protocol.ZwlrVirtualPointerManagerV1Handler = (*wlrVPManagerResource)(nil)
	_ protocol.ZwlrVirtualPointerV1Handler        = (*wlrVirtualPointer)(nil)
)
