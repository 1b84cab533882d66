// Package query is Shoseki's query language: a filter followed by pipes,
//
//	event.dataset:system.auth event.outcome:failure NOT user.name:root source.ip:10.0.0.0/8
//	  | stats count() as failures, dc(user.name) as users by source.ip
//	  | where failures > 20 | sort -failures | head 10
//
// Parse turns the text into a Query (the filter as internal/filter nodes,
// whose matching semantics are fixed there, and a list of Pipes); Run
// executes it against any Searcher (a store.Store, or SliceSearcher);
// Result renders as JSON, CSV or an aligned table. The user's reference is
// docs/query.md; this comment states the contract for code.
//
// Parsing:
//   - Parse never panics and accepts at most MaxQueryLen bytes; every error
//     is a *ParseError with the byte offset of the mistake, whose Error
//     shows the query line with a caret under it.
//   - Query.String renders a query that parses back to the same String
//     and the same meaning (FuzzParse checks this).
//   - AND/OR/NOT are upper case in the filter (lower-case and/or/not are
//     words to search for); -term and !term mean NOT term. In where and
//     eval, and/or/not are case-insensitive.
//
// Execution:
//   - Without an aggregating pipe (stats, timechart, top, rare), Run
//     returns events, newest first unless sorted, at most Options.Limit or
//     the N of an explicit head. It asks the store for NewestFirst and
//     raises Request.Floor once it holds enough, so a store can stop early.
//     Events handed over by the store are cloned only when kept.
//   - With aggregation, events stream into it and Request.Fields names only
//     the fields the pipeline reads (plus event.count).
//   - Counting rule: an event stands for event.Count() received events
//     (event.count, default 1). count(), count(field), top, rare and the
//     ranking of timechart series add that weight; sum, avg, min, max, dc,
//     values, earliest and latest see each stored event once.
//   - Pipes before the first aggregation work on events (where reads
//     fields); after it on the table's rows (where reads columns). A later
//     aggregation counts rows, each once.
//   - Memory is bounded by Options.MaxGroups: beyond it new groups, values
//     or cells are dropped (existing ones stay exact) and Result.Truncated
//     is set; a sort that would hold more events fails with an error.
//   - A Query is read-only during Run: one Query may run concurrently.
package query
