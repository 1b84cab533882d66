// Package local is Shoseki's embedded event store: a log store for
// append-mostly, time-ordered, sparse and wide events, in pure Go.
//
// # Contract
//
//   - Append makes a batch durable before it returns nil: the batch is one
//     WAL record, fsynced (group commit: concurrent Appends share one
//     fsync). It assigns each event its Seq, increasing in commit order and
//     across restarts. After a nil return the events survive kill -9 and are
//     visible to Search. After a failed WAL write or fsync the store refuses
//     further appends until it is reopened (the file's state is unknown).
//   - Search visits a snapshot: the head (events not yet flushed) and the
//     parts at the time of the call. Every event is visited at most once;
//     fn runs on the caller's goroutine. A Request with From and To both
//     zero covers all time. The event passed to fn, and its Fields, are
//     reused after fn returns; its values are not, so Clone keeps it.
//   - Events come back with their fields in column order, not appended
//     order; fields with null values are dropped at Append (a column cannot
//     tell null from absent); when an event repeats a field name only the
//     first value is kept once it is in a part.
//   - Corrupt data (bad checksum, impossible encoding) is reported by Open
//     or Search as an error for which IsCorruption is true; it is never
//     skipped silently. A torn record at the very end of the WAL (a crash
//     during a write, never acknowledged) is cut off on Open.
//   - Open, Append, Search, Flush, DiskUsage and Close are safe for
//     concurrent use. A directory is used by one process at a time (flock).
//
// # Layout
//
//	DIR/LOCK                       advisory lock
//	DIR/checkpoint                 highest Seq whose events are all in parts
//	DIR/wal/NNNNNNNNNNNNNNNN.wal   WAL segments (docs/format/wal.md)
//	DIR/parts/YYYY-MM-DD/<id>/     immutable parts (docs/format/parts.md)
//
// # Design
//
// WAL: the caller's goroutine encodes and S2-compresses (klauspost s2)
// its batch; one commit goroutine takes everything queued, assigns Seqs,
// writes the records, fsyncs once and publishes the events to the head.
// Seq lives outside the compressed payload so compression runs in
// parallel.
//
// Head: the events since the last flush, in Seq order, kept compact: each
// committed batch as its compressed WAL record (pointer-free bytes the GC
// does not scan) with its Seq and time range; the Appended events are not
// retained. Searches decode the records in range, then apply the row
// prefilter and filter.Match event by event. The head is sealed (queued
// for a flush) at FlushEvents or FlushBytes, and flushed after
// FlushInterval too. A flush decompresses the records and locates each
// event (time, stream, offset) without building it, sorts those small
// rows, then decodes (and folds) the events a chunk at a time in sorted
// order as the part writer consumes them: it never holds a whole flush as
// events. Append waits while more than 4×FlushEvents or 4×FlushBytes are
// unflushed, so memory stays bounded whatever the ingest rate.
//
// Parts: a flush sorts the head by (UTC day, event.dataset, @timestamp,
// Seq) and writes one part per day. Grouping rows by event.dataset (the
// "stream", as in Loki and VictoriaLogs) inside a part makes blocks
// homogeneous: sshd lines sit with sshd lines, so columns compress better
// and sparse fields stay out of unrelated blocks; a block never spans two
// streams unless the second starts with a small remainder. Rows are cut
// into blocks of BlockRows rows (or 16 MiB of strings). Each block stores,
// per column present: value types, values (dictionary for repeated
// strings, binary for addresses, zigzag deltas for ints, times relative to
// @timestamp or to each other, whichever is smaller, message as suffix
// lengths of event.original when it is its tail, as syslog and web lines
// are, mostly distinct strings that event.original holds verbatim (ids in
// CloudTrail JSON) as offset and length into it, one-element arrays
// such as related.ip as their elements, raw otherwise), zstd-compressed at
// Options.PartCompression (SpeedDefault unless set);
// and a split-block bloom filter of its tokens (filter.Tokens), of its
// whole values (lowercased text, scalars other than times) and, for text
// fields, of adjacent digit-token pairs, so that an address searched as a
// bare word ("10.1.2.3" is four single-digit-group tokens, each common)
// still prunes; plus numeric min/max. The index (per block: rows, time and
// Seq range, per column offsets, lengths, min/max) is one small file per
// part, read on first use; Open reads only each part's meta.json.
//
// Crash safety: part files are written in a temporary directory, fsynced,
// renamed into place, the day directory fsynced. A flush commits its parts
// by writing the checkpoint (atomic rename); only then are WAL segments
// wholly at or below it deleted. On Open, a part whose flush_seq is above
// the checkpoint (the flush did not commit) is removed, and the WAL replays
// exactly the events above the checkpoint: every event is in a part or
// replayed, never both. A merged part lists its sources; if it exists on
// Open the sources are removed, whatever state they are in (they are
// renamed to .trash-* first, so a half-deleted part is never opened).
//
// A flush is CPU-bound (column encoding, tokenizing text for the blooms,
// zstd): head records are decompressed and scanned by GOMAXPROCS
// goroutines; events of streams that Fold does not touch are decoded once,
// straight from their records into the block's columns; the columns of a
// block are encoded by GOMAXPROCS goroutines; strings are indexed once per
// distinct value, and not at all when they sit between token boundaries of
// event.original (whose filter covers them); column ids are found by field
// position and name pointer; hashes are deduplicated with an
// open-addressing set that grows with the distinct hashes. The head keeps
// accepting appends meanwhile (it is swapped out under the lock, then
// written).
//
// Search: parts, then blocks, are pruned by time range and Floor, then by
// filter.MayMatch over the part's column list and the block's index (and
// the digit-bigram plan). The candidate blocks are then matched by
// GOMAXPROCS workers, and their rows handed to fn in order on the caller's
// goroutine (at most 2 blocks per worker in flight), or, when the request
// sets Parallel and asks for no order, to each worker's own function. In a block only the
// filter's columns are decoded for matching, with a substring prefilter on
// the longest word of word terms; the other columns (or only
// Request.Fields) are decoded only at the matching rows when they are few.
// The head is searched with the same prefilter, then filter.Match. Parts
// are reference counted, so merges and retention never pull files from
// under a search.
//
// Merges: in the background, parts of one day are merged when a set of
// similar size (total/largest >= 3, at most MergeFanIn) exists: tiered
// merging, so a day keeps a few parts per size tier. A merge copies the
// well-filled blocks of its sources byte for byte and re-encodes only the
// rows of small ones (a flush's last block of each stream), so an event is
// encoded about once however many merges it goes through; event.original
// is column 0 of every part so that references to it survive the copy.
//
// Retention drops whole day partitions: those ending more than Retention
// ago, and the oldest while parts exceed MaxBytes (never the newest day).
//
// All file access goes through vfs.FS, so tests inject failing writes,
// fsyncs and renames (vfs.ErrorFS).
package local
