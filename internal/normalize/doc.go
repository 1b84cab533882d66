// Package normalize holds the ECS helpers that several decoders share:
// syslog facility and severity names, the related.* fields, and typed IP
// values built without needless allocation.
//
// Contract:
//   - Every helper is a pure function of its arguments (plus the event it is
//     given to fill); none keeps state, so all are safe for concurrent use on
//     different events.
//   - Helpers never panic on any input: an unknown code gives "", a string that
//     is not an IP address gives ok == false.
//   - related.ip and related.user are arrays without duplicates, in the order
//     the values were first added. Values are immutable, so adding to one
//     builds a new array and never mutates one already handed out.
package normalize
