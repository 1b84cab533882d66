// Package parsetest is the test scaffolding shared by the decoders under
// internal/parse. It is for the tests of decoders only (it imports testing
// and registers the -rewrite flag); no production code may import it.
//
// The decoders' tests run in their own package directory, and every path
// here is relative to it (testdata/golden/*.log). What it checks:
//
//   - Golden, GoldenAll: decode each testdata/golden input line by line (or
//     whole) and compare event.AppendJSON, one event a line, "error: ..."
//     for a failed line, with the .golden file beside it; -rewrite
//     regenerates the files (review the diff).
//   - DetectsNothingElse, DetectPicks: a format's detector gives 0 to the
//     records of every other format (the other decoders' test inputs and
//     the typical records of Samples), and formats.Detect picks the format
//     for its own records, together and one by one.
//   - CheckDecode, CheckDecodeAll, CheckEvent: the decoder contract of
//     internal/parse on one input, for fuzz targets seeded by
//     AddGoldenSeeds (lines) and AddGoldenFiles (whole inputs): no panic,
//     event.original kept, each field once and never null, typed IPs on
//     the ECS ip fields, positioned SyntaxErrors that leave no fields
//     behind, determinism.
//   - Field, CheckFields: tables of expected fields, each value as its
//     JSON rendering or Absent.
//   - SharedData, ReadLines, BenchmarkLines: the shared real-data corpus
//     (skipping when absent) and decode benchmarks in events/s.
//
// parsetest does not import internal/parse/formats: formats imports every
// decoder, whose tests import parsetest. Tests pass formats.Detect in.
package parsetest
