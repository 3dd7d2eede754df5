package protocol

// ArgType is the wire type of a message argument, as in a libwayland
// signature.
type ArgType byte

// Argument types.
const (
	ArgInt    ArgType = 'i'
	ArgUint   ArgType = 'u'
	ArgFixed  ArgType = 'f'
	ArgString ArgType = 's'
	ArgObject ArgType = 'o'
	ArgNewID  ArgType = 'n'
	ArgArray  ArgType = 'a'
	ArgFD     ArgType = 'h'
)

// Arg describes one message argument.
type Arg struct {
	Name     string
	Type     ArgType
	Nullable bool
	// Interface is the interface of an object or new_id argument; nil for
	// an object of any type or a new_id carrying its own interface name
	// (wl_registry.bind).
	Interface *Interface
}

// Message describes a request or an event.
type Message struct {
	Name       string
	Since      uint32
	Destructor bool
	Args       []Arg
}

// DispatchFunc decodes request opcode of obj from d and calls handler h.
// Generated code provides one per interface.
type DispatchFunc func(h any, obj *Object, opcode uint16, d *Decoder) error

// Interface describes a Wayland interface. Values are generated; the
// generated init functions fill Requests, Events and Dispatch.
type Interface struct {
	Name     string
	Version  uint32
	Requests []Message
	Events   []Message
	Dispatch DispatchFunc
}

// String returns the interface name.
func (i *Interface) String() string { return i.Name }
