package main

import "encoding/xml"

// The protocol XML schema (wayland.dtd), as much of it as generation needs.

type xmlProtocol struct {
	XMLName    xml.Name       `xml:"protocol"`
	Name       string         `xml:"name,attr"`
	Copyright  string         `xml:"copyright"`
	Interfaces []xmlInterface `xml:"interface"`
}

type xmlInterface struct {
	Name        string         `xml:"name,attr"`
	Version     uint32         `xml:"version,attr"`
	Description xmlDescription `xml:"description"`
	Requests    []xmlMessage   `xml:"request"`
	Events      []xmlMessage   `xml:"event"`
	Enums       []xmlEnum      `xml:"enum"`
}

type xmlDescription struct {
	Summary string `xml:"summary,attr"`
	Text    string `xml:",chardata"`
}

type xmlMessage struct {
	Name        string         `xml:"name,attr"`
	Type        string         `xml:"type,attr"`
	Since       uint32         `xml:"since,attr"`
	Description xmlDescription `xml:"description"`
	Args        []xmlArg       `xml:"arg"`
}

type xmlArg struct {
	Name      string `xml:"name,attr"`
	Type      string `xml:"type,attr"`
	Summary   string `xml:"summary,attr"`
	Interface string `xml:"interface,attr"`
	AllowNull bool   `xml:"allow-null,attr"`
	Enum      string `xml:"enum,attr"`
}

type xmlEnum struct {
	Name        string         `xml:"name,attr"`
	Since       uint32         `xml:"since,attr"`
	Bitfield    bool           `xml:"bitfield,attr"`
	Description xmlDescription `xml:"description"`
	Entries     []xmlEntry     `xml:"entry"`
}

type xmlEntry struct {
	Name    string `xml:"name,attr"`
	Value   string `xml:"value,attr"`
	Summary string `xml:"summary,attr"`
	Since   uint32 `xml:"since,attr"`
}
