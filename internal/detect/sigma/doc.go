// Package sigma is Shoseki's native, streaming Sigma engine: a parser for
// Sigma rules and correlation rules (specification v2.1; yaml.v3 nodes keep
// line numbers for lint errors), a compiler from rules to match trees with
// logsource routing and field mapping (mappings are embedded YAML that
// users extend), a matcher that evaluates every event as it arrives, and a
// correlation engine with event-time windows, bounded and persistable state.
//
// Contract:
//   - ParseRule and LoadDir never panic on input; errors carry file:line.
//   - NewEngine compiles what it can; every rule left out is listed by
//     NotCompiled with the exact unsupported construct.
//   - Engine.Process is called from one goroutine; it calls emit for each
//     signal before returning and keeps no reference to the event after
//     the call except inside correlation state (ids and values only).
//     Reload by building a new Engine and swapping it in.
//   - Matching follows docs/sigma.md (case-insensitive by default, Sigma
//     wildcards and escapes, all modifiers of the specification).
package sigma
