// Package jsonl decodes one JSON object per record (NDJSON) into a flat ECS
// event: the format "json". It takes ECS documents (Filebeat, Winlogbeat,
// Vector, Fluent Bit output) as they are and any other JSON object as it
// comes.
//
// Mapping, in the way Elasticsearch flattens documents:
//   - Nested objects are flattened with dots: {"source":{"ip":"1.2.3.4"}} is
//     the field source.ip. Keys that already contain dots are kept as they
//     are, so {"source.ip":"1.2.3.4"} is the same field.
//   - An array of scalars becomes an array value. An array of objects becomes,
//     for each leaf path below it, an array of that leaf's values in document
//     order ({"r":[{"a":1},{"a":2}]} gives r.a: [1,2]); nested arrays are
//     flattened into the same array. Even a one-element array stays an array.
//   - null values, empty objects and empty arrays give no field.
//   - Numbers are ints when written as integers that fit in int64, or when a
//     fraction or exponent form is integral and below 2^53; otherwise floats.
//     A number out of float64 range is kept as its literal text.
//   - Duplicate keys: the last one wins (also when a dotted key and a nested
//     path name the same field).
//   - Fields named ip, related.ip or *.ip whose strings parse as addresses
//     become IP values (elementwise in arrays); event.created, event.start,
//     event.end and event.ingested holding RFC 3339 strings become times.
//
// @timestamp: the document's @timestamp (RFC 3339 string, or a number of
// epoch milliseconds) becomes Event.Time and is not kept as a field. When it
// is absent or unreadable, the first readable of the top-level fields
// timestamp, time, eventTime, ts and date is used (strings as RFC 3339 or
// "YYYY-MM-DD hh:mm:ss" in meta.Loc(); numbers as epoch seconds for ts, by
// magnitude s/ms/µs/ns for the others) and kept as a field too; otherwise
// meta.Received. An unreadable @timestamp is dropped (event.original still
// has it).
//
// event.original and event.created: a document that carries them keeps its
// own (ECS meaning: the original bytes of the event, and when an agent first
// read it); otherwise event.original is the record and event.created is
// meta.Received.
//
// Errors: invalid JSON is a *parse.SyntaxError with the byte offset; so are a
// record whose top-level value is not an object, nesting deeper than
// MaxDepth and more than MaxFields leaf values. A blank record is
// parse.ErrEmpty. A leading UTF-8 byte order mark is skipped. Strings keep
// invalid UTF-8 bytes as they are; \u escapes of lone surrogates become
// U+FFFD.
//
// Speed: a hand-written scanner over the record converted once to a string;
// unescaped string values and top-level keys share that string. Fields are
// collected in pooled scratch and appended to the event in one allocation
// sized for them, event.created, event.original and the fields the ingest
// pipeline adds next; the nested names are one string and the array values
// one backing array. An event costs four allocations (the record string,
// Fields, names, arrays) plus one per string with escapes, per array of
// addresses and per IPv6 address.
// DecodeString serves formats built on this one (cloudtrail): it decodes a
// string the caller already holds, leaving room for the caller's fields.
package jsonl
