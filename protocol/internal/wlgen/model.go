package main

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type fileModel struct {
	Package    string
	Source     string
	Protocol   string
	Copyright  []string
	Interfaces []*ifaceModel
}

type ifaceModel struct {
	Name     string // XML name, wl_surface
	GoName   string // WlSurface
	Version  uint32
	Summary  string
	Requests []*msgModel
	Events   []*msgModel
	Enums    []*enumModel
}

type msgModel struct {
	Iface      *ifaceModel
	Name       string // XML name
	GoName     string
	Opcode     int
	Since      uint32
	Destructor bool
	Summary    string
	Args       []*argModel // Go-level arguments
	Wire       []*argModel // wire-level arguments (untyped new_id expanded)
}

type argModel struct {
	Name     string // XML name
	GoName   string // Go parameter name
	Type     string // XML type
	Iface    string // Go name of the interface variable, or ""
	Enum     string // Go name of the enum type of an int or uint, or ""
	Nullable bool
	Summary  string
	Untyped  bool // a new_id without interface (expands to string, uint, new_id)
}

type enumModel struct {
	GoName   string
	Name     string // XML name
	Iface    string // XML name of the interface
	Summary  string
	Bitfield bool
	Error    bool // the interface's error enum: its values are protocol error codes
	Signed   bool // an int argument of the file carries it: int32, not uint32
	Entries  []entryModel
	// Names are the entries String reports, one per distinct value, in
	// XML order (the first entry of a value names it).
	Names []entryModel
}

type entryModel struct {
	GoName  string
	Name    string // XML name
	Value   string
	Summary string
}

func buildModel(p *xmlProtocol) (*fileModel, error) {
	m := &fileModel{Protocol: p.Name}
	for _, line := range strings.Split(strings.TrimSpace(p.Copyright), "\n") {
		m.Copyright = append(m.Copyright, strings.TrimSpace(line))
	}
	for i := range p.Interfaces {
		xi := &p.Interfaces[i]
		im := &ifaceModel{
			Name:    xi.Name,
			GoName:  camel(xi.Name),
			Version: xi.Version,
			Summary: oneLine(xi.Description.Summary),
		}
		for op, xr := range xi.Requests {
			mm, err := buildMessage(im, xr, op)
			if err != nil {
				return nil, err
			}
			im.Requests = append(im.Requests, mm)
		}
		for op, xe := range xi.Events {
			mm, err := buildMessage(im, xe, op)
			if err != nil {
				return nil, err
			}
			for _, a := range mm.Args {
				if a.Untyped {
					return nil, fmt.Errorf("%s.%s: untyped new_id in an event", xi.Name, xe.Name)
				}
			}
			im.Events = append(im.Events, mm)
		}
		for _, xe := range xi.Enums {
			em := &enumModel{
				Name:     xe.Name,
				Iface:    xi.Name,
				GoName:   im.GoName + camel(xe.Name),
				Summary:  oneLine(xe.Description.Summary),
				Bitfield: xe.Bitfield,
				Error:    xe.Name == "error",
			}
			seen := make(map[uint64]bool)
			for _, e := range xe.Entries {
				v, err := strconv.ParseUint(e.Value, 0, 32)
				if err != nil {
					return nil, fmt.Errorf("%s.%s.%s: value %q: %w", xi.Name, xe.Name, e.Name, e.Value, err)
				}
				en := entryModel{
					GoName:  em.GoName + camel(e.Name),
					Name:    e.Name,
					Value:   e.Value,
					Summary: oneLine(e.Summary),
				}
				em.Entries = append(em.Entries, en)
				if !seen[v] {
					seen[v] = true
					em.Names = append(em.Names, en)
				}
			}
			im.Enums = append(im.Enums, em)
		}
		m.Interfaces = append(m.Interfaces, im)
	}
	// An enum that an int argument of this file carries (wl_output.transform)
	// is signed, so a negative value on the wire stays negative in Go.
	enums := make(map[string]*enumModel)
	for _, im := range m.Interfaces {
		for _, em := range im.Enums {
			enums[em.GoName] = em
		}
	}
	for _, im := range m.Interfaces {
		for _, mm := range append(im.Requests[:len(im.Requests):len(im.Requests)], im.Events...) {
			for _, a := range mm.Args {
				if em := enums[a.Enum]; em != nil && a.Type == "int" {
					em.Signed = true
				}
			}
		}
	}
	return m, nil
}

func buildMessage(im *ifaceModel, x xmlMessage, opcode int) (*msgModel, error) {
	since := x.Since
	if since == 0 {
		since = 1
	}
	mm := &msgModel{
		Iface:      im,
		Name:       x.Name,
		GoName:     camel(x.Name),
		Opcode:     opcode,
		Since:      since,
		Destructor: x.Type == "destructor",
		Summary:    oneLine(x.Description.Summary),
	}
	for _, xa := range x.Args {
		a := &argModel{
			Name:     xa.Name,
			GoName:   goParam(xa.Name),
			Type:     xa.Type,
			Nullable: xa.AllowNull,
			Summary:  oneLine(xa.Summary),
		}
		if xa.Enum != "" {
			if xa.Type != "int" && xa.Type != "uint" {
				return nil, fmt.Errorf("%s.%s: enum on %s argument %s", im.Name, x.Name, xa.Type, xa.Name)
			}
			a.Enum = enumGoName(im, xa.Enum)
		}
		if _, ok := wireTypes[xa.Type]; !ok {
			return nil, fmt.Errorf("%s.%s: unknown arg type %q", im.Name, x.Name, xa.Type)
		}
		switch xa.Type {
		case "object":
			if xa.Interface != "" {
				a.Iface = camel(xa.Interface) + "Interface"
			}
		case "new_id":
			if xa.Interface != "" {
				a.Iface = camel(xa.Interface) + "Interface"
			} else {
				a.Untyped = true
			}
		}
		mm.Args = append(mm.Args, a)
		if a.Untyped {
			mm.Wire = append(mm.Wire,
				&argModel{Name: "interface", GoName: "iface", Type: "string"},
				&argModel{Name: "version", GoName: "version", Type: "uint"},
				&argModel{Name: a.Name, GoName: a.GoName, Type: "new_id"})
		} else {
			mm.Wire = append(mm.Wire, a)
		}
	}
	return mm, nil
}

// enumGoName returns the Go type of the enum an argument of im names:
// "state" (im's own) or "wl_output.transform" (another interface's, which
// may live in another generated file of the package).
func enumGoName(im *ifaceModel, ref string) string {
	if iface, name, ok := strings.Cut(ref, "."); ok {
		return camel(iface) + camel(name)
	}
	return im.GoName + camel(ref)
}

// initialisms are the words Go spells in capitals (as golint's list):
// app_id -> AppID, delete_id -> DeleteID, fd -> FD.
var initialisms = map[string]string{
	"api": "API", "fd": "FD", "http": "HTTP", "id": "ID", "json": "JSON",
	"ui": "UI", "uri": "URI", "url": "URL", "uuid": "UUID", "xml": "XML",
}

// camel turns snake_case into CamelCase with Go initialisms: wl_surface ->
// WlSurface, flipped_90 -> Flipped90, set_app_id -> SetAppID.
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(s, "_") {
		if w == "" {
			continue
		}
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		r, n := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(w[n:])
	}
	return b.String()
}

// goParam turns an argument name into a Go parameter name: object_id ->
// objectID, fd -> fd.
func goParam(s string) string {
	first, rest, _ := strings.Cut(s, "_")
	c := strings.ToLower(first) + camel(rest)
	if token.IsKeyword(c) || c == "iface" || c == "version" || c == "e" || c == "self" || c == "h" || c == "obj" || c == "opcode" || c == "d" {
		c += "_"
	}
	return c
}

// oneLine collapses whitespace so XML text fits in a comment line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
