// Package evtx reads Windows XML Event Log (EVTX) files: the file header,
// 64 KiB chunks, event records and their Binary XML (BinXML), including
// template definitions and instances, substitutions, nested BinXML values
// and every value type. It is pure Go, written from libyal's "Windows XML
// Event Log (EVTX)" format description; the byte layouts it relies on are
// in docs/format/evtx.md.
//
// Contract:
//   - Reader.Next yields one winevent.Record per event record, in file
//     order (chunk by chunk, records in chunk order). Values are rendered
//     exactly as evtx_dump's JSON renders them (the oracle of the tests).
//   - Nothing panics on any input, and nothing is allocated in proportion
//     to a length field before that length is checked against the bytes
//     present: a chunk is at most 64 KiB and is read into one reused
//     buffer; every offset and size inside it is bounds-checked; template
//     expansion is capped (maxDepth, maxNodes).
//   - Dirty and truncated files are read as far as they go. Corrupt
//     chunks and records are reported, with their file offsets, as
//     Problems and, when something had to be skipped, as a *CorruptError
//     from Next; the caller may call Next again to go on. A checksum
//     mismatch (file header, chunk header, event-records data) is a Problem
//     only: the chunk is still read when its structure parses, as libevtx's
//     evtxexport does, because in dirty files the checksums are often stale
//     while the records are intact.
//   - Chunks are found by position (4096 + i*65536), not by the header's
//     chunk count, which is stale in dirty files. All-zero chunks are
//     never-used space and are skipped silently. Records are read up to the
//     chunk's free-space offset only: what lies past it is slack left from
//     an earlier use of the chunk (its template offsets point into the new
//     records), as evtx_dump and evtxexport also treat it.
//   - A Reader is not safe for concurrent use. The Record passed to Next is
//     overwritten; its Data backing array is reused.
package evtx
