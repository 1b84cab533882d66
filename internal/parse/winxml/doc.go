// Package winxml decodes Windows events in their rendered XML form, the
// format "winevent-xml": the <Event xmlns="http://schemas.microsoft.com/
// win/2004/08/events/event"><System>…</System><EventData><Data Name="…">…
// </Data></EventData></Event> documents that wevtutil qe /f:xml, PowerShell
// (Get-WinEvent | % { $_.ToXml() }), Event Viewer's "Save as XML" and
// Windows Event Forwarding produce, also with UserData, RenderingInfo and
// unnamed Data.
//
// Each document becomes a winevent.Record, mapped exactly as the EVTX
// reader maps the same event (internal/parse/evtx, render.go: System
// fields; named Data by Name, unnamed as param1, param2, …; UserData and
// other sections flattened below their root element), and is normalized
// by winevent.Normalize with the document bytes as event.original, so an
// event reads the same whatever container it came in. The one difference:
// XML text carries no type, so Data values are strings (the EVTX reader
// types integer values as numbers); a test checks every EVTX-ATTACK-SAMPLES
// event against the EVTX reader's rendering of it. GUIDs lose their braces
// as the EVTX reader renders them. When Normalize sets no message, the
// RenderingInfo/Message text becomes message.
//
// Framing: Decode takes one document (one event a line, as wevtutil writes
// them); DecodeAll takes a whole export, one a line or pretty-printed, with
// or without an XML declaration and an <Events> root, and decodes each
// <Event> element.
//
// The XML parser (xml.go) is a small one for event documents: elements,
// attributes, the five predefined entities and character references, CDATA,
// comments and processing instructions; no DTDs. Limits: 32 levels of
// nesting, 8192 elements. Errors (a *parse.SyntaxError with the byte
// offset): malformed XML, a root other than <Event>, no <System>, no
// TimeCreated and no receive time. A blank record is parse.ErrEmpty.
package winxml
