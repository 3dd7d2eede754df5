package main

import (
	"fmt"
	"go/token"
	"strings"
	"unicode"
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
	Nullable bool
	Summary  string
	Untyped  bool // a new_id without interface (expands to string, uint, new_id)
}

type enumModel struct {
	GoName   string
	Name     string
	Summary  string
	Bitfield bool
	Entries  []entryModel
}

type entryModel struct {
	GoName  string
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
				GoName:   im.GoName + camel(xe.Name),
				Summary:  oneLine(xe.Description.Summary),
				Bitfield: xe.Bitfield,
			}
			for _, e := range xe.Entries {
				em.Entries = append(em.Entries, entryModel{
					GoName:  em.GoName + camel(e.Name),
					Value:   e.Value,
					Summary: oneLine(e.Summary),
				})
			}
			im.Enums = append(im.Enums, em)
		}
		m.Interfaces = append(m.Interfaces, im)
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
		switch xa.Type {
		case "int", "uint", "fixed", "string", "array", "fd":
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
		default:
			return nil, fmt.Errorf("%s.%s: unknown arg type %q", im.Name, x.Name, xa.Type)
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

// camel turns snake_case into CamelCase: wl_surface -> WlSurface,
// flipped_90 -> Flipped90.
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '_' {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// goParam turns an argument name into a Go parameter name.
func goParam(s string) string {
	c := camel(s)
	c = strings.ToLower(c[:1]) + c[1:]
	if token.IsKeyword(c) || c == "iface" || c == "version" || c == "e" || c == "self" || c == "h" || c == "obj" || c == "opcode" || c == "d" {
		c += "_"
	}
	return c
}

// oneLine collapses whitespace so XML text fits in a comment line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
