package main

import "fmt"

// wireType is how generated code handles one XML argument type: its Go
// type, how the decoder reads it, how the encoder writes it, and its
// ArgType constant. The template asks the functions below, which consult
// this table, instead of switching on the XML type itself.
type wireType struct {
	goType  string // Go type of a request or event argument
	decode  string // Decoder call that reads it (%s: its arguments)
	put     string // Encoder method that writes it
	argType string // ArgType constant
}

var wireTypes = map[string]wireType{
	"int":    {"int32", "d.Int()", "PutInt", "ArgInt"},
	"uint":   {"uint32", "d.Uint()", "PutUint", "ArgUint"},
	"fixed":  {"Fixed", "d.Fixed()", "PutFixed", "ArgFixed"},
	"string": {"string", "d.String(%s)", "PutString", "ArgString"},
	"array":  {"[]byte", "d.Array()", "PutArray", "ArgArray"},
	"fd":     {"int", "d.FD()", "PutFD", "ArgFD"},
	"object": {"*Object", "d.Object(%s)", "PutObject", "ArgObject"},
	"new_id": {"ObjectID", "d.NewID()", "PutObject", "ArgNewID"},
}

// requestType is the Go type a handler receives for a: the enum type for
// an int or uint naming an enum, *Object for an object.
func requestType(a *argModel) string {
	if a.Enum != "" {
		return a.Enum
	}
	return wireTypes[a.Type].goType
}

// eventType is the Go type an event encoder takes for a: objects go by id.
func eventType(a *argModel) string {
	if a.Type == "object" {
		return "ObjectID"
	}
	return requestType(a)
}

// decodeExpr is the expression that reads a from the Decoder d.
func decodeExpr(a *argModel) string {
	w := wireTypes[a.Type]
	var x string
	switch a.Type {
	case "string":
		x = fmt.Sprintf(w.decode, fmt.Sprint(a.Nullable))
	case "object":
		iface := "nil"
		if a.Iface != "" {
			iface = "&" + a.Iface
		}
		x = fmt.Sprintf(w.decode, iface+", "+fmt.Sprint(a.Nullable))
	default:
		x = w.decode
	}
	if a.Enum != "" {
		x = a.Enum + "(" + x + ")"
	}
	return x
}

// encodeStmt is the statement that writes a to the Encoder e.
func encodeStmt(a *argModel) string {
	w := wireTypes[a.Type]
	put, v := w.put, a.GoName
	if a.Type == "string" && a.Nullable {
		put = "PutNullableString"
	}
	if a.Enum != "" {
		v = w.goType + "(" + v + ")"
	}
	return "e." + put + "(" + v + ")"
}

// argTypeConst is a's ArgType constant.
func argTypeConst(a *argModel) string { return wireTypes[a.Type].argType }
