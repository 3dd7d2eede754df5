// Package protocol is nofault's Wayland wire layer: the message codec
// (Decoder, Encoder), the per-client object map, the interface descriptors
// and the server-side bindings generated from protocol XML.
//
// # Generated code
//
// The files named *.gen.go are produced by ./internal/wlgen from the
// protocol XML files (Debian's libwayland-dev and wayland-protocols, and the
// project's own xml/ directory); run `go generate ./protocol` to reproduce
// them. For every interface wl_foo they define:
//
//   - WlFooInterface, the descriptor (name, version, messages, since-versions);
//   - WlFooHandler, the interface a server object implements to receive
//     requests (one method per request, arguments already decoded and
//     validated, objects resolved);
//   - SendWlFooBar functions that encode event bar into an Encoder;
//   - WlFooRequestBar and WlFooEventBar opcode constants (and their Since
//     versions), which the generated dispatch and encoders use;
//   - a type per enum, WlFooBaz, with its values, a String method giving the
//     XML names, and Has for bitfields. Request and event arguments that the
//     XML marks enum="baz" or enum="wl_other.baz" take and return that type
//     (the wire still carries a uint32, or an int32 for an enum an int
//     argument carries, as wl_output.transform);
//   - WlFooError, the interface's error codes: they implement ErrorCode,
//     which Errorf and server.Client.PostErrorf take, so only an error code
//     compiles there: protocol.Errorf(obj, XdgWmBaseErrorRole, "...").
//
// Names follow Go's initialisms: delete_id is DeleteID, set_app_id SetAppID.
//
// # Ownership
//
// Strings and arrays passed to handlers alias the connection's receive
// buffer and are valid only during the call (copy them to keep them); file
// descriptors are owned by the handler, which must close or keep them.
package protocol
