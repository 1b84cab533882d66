package query

import (
	"slices"

	"github.com/shoseki/shoseki/internal/event"
)

// table is the result of an aggregation and what later pipes transform.
type table struct {
	cols []string
	rows [][]event.Value
	idx  map[string]int
}

func (t *table) index(name string) (int, bool) {
	if t.idx == nil {
		t.idx = make(map[string]int, len(t.cols))
		for i := len(t.cols) - 1; i >= 0; i-- {
			t.idx[t.cols[i]] = i
		}
	}
	i, ok := t.idx[name]
	return i, ok
}

func (t *table) setCols(cols []string) {
	t.cols = cols
	t.idx = nil
}

// rowRecord reads a row by column name. @timestamp reads the _time column
// of a timechart when there is no @timestamp column.
type rowRecord struct {
	t   *table
	row []event.Value
}

func (r rowRecord) Get(name string) (event.Value, bool) {
	i, ok := r.t.index(name)
	if !ok && name == event.FieldTimestamp {
		i, ok = r.t.index("_time")
	}
	if !ok || i >= len(r.row) {
		return event.Value{}, false
	}
	v := r.row[i]
	return v, !v.IsNull()
}

// time returns the row's time for earliest/latest and timechart.
func (r rowRecord) time() int64 {
	v, ok := r.Get(event.FieldTimestamp)
	if !ok {
		return 0
	}
	n, _ := v.Int()
	return n
}

// applyRowPipe applies a non-aggregating pipe to a table.
func applyRowPipe(t *table, p Pipe) {
	switch p := p.(type) {
	case *WherePipe:
		out := t.rows[:0]
		for _, row := range t.rows {
			if truthy(p.Expr.eval(rowRecord{t, row})) {
				out = append(out, row)
			}
		}
		clear(t.rows[len(out):])
		t.rows = out
	case *EvalPipe:
		for _, a := range p.Assigns {
			i, ok := t.index(a.Name)
			if !ok {
				i = len(t.cols)
				t.setCols(append(t.cols, a.Name))
			}
			for k, row := range t.rows {
				v := a.Expr.eval(rowRecord{t, row})
				if i == len(row) {
					row = append(row, v)
				} else {
					row[i] = v
				}
				t.rows[k] = row
			}
		}
	case *RenamePipe:
		for _, rn := range p.Renames {
			i, ok := t.index(rn.From)
			if !ok || rn.From == rn.To {
				continue
			}
			if j, ok := t.index(rn.To); ok {
				dropColumn(t, j)
				if j < i {
					i--
				}
			}
			cols := slices.Clone(t.cols)
			cols[i] = rn.To
			t.setCols(cols)
		}
	case *FieldsPipe:
		if p.Remove {
			for _, f := range p.Fields {
				if i, ok := t.index(f); ok {
					dropColumn(t, i)
				}
			}
			return
		}
		var keep []int
		var cols []string
		for _, f := range p.Fields {
			if i, ok := t.index(f); ok && !slices.Contains(keep, i) {
				keep = append(keep, i)
				cols = append(cols, f)
			}
		}
		for k, row := range t.rows {
			nr := make([]event.Value, len(keep))
			for j, i := range keep {
				nr[j] = row[i]
			}
			t.rows[k] = nr
		}
		t.setCols(cols)
		if t.cols == nil {
			t.cols = []string{}
		}
	case *SortPipe:
		slices.SortStableFunc(t.rows, func(a, b []event.Value) int {
			return compareSort(p.Keys, rowRecord{t, a}, rowRecord{t, b})
		})
	case *HeadPipe:
		if len(t.rows) > p.N {
			clear(t.rows[p.N:])
			t.rows = t.rows[:p.N]
		}
	case *DedupPipe:
		seen := map[string]bool{}
		var key []byte
		out := t.rows[:0]
		for _, row := range t.rows {
			var ok bool
			key, ok = dedupKey(key[:0], rowRecord{t, row}, p.Fields)
			if ok && !seen[string(key)] {
				seen[string(key)] = true
				out = append(out, row)
			}
		}
		clear(t.rows[len(out):])
		t.rows = out
	}
}

func dropColumn(t *table, i int) {
	cols := slices.Delete(slices.Clone(t.cols), i, i+1)
	for k, row := range t.rows {
		if i < len(row) {
			t.rows[k] = slices.Delete(row, i, i+1)
		}
	}
	t.setCols(cols)
}

// compareSort orders two records by sort keys; missing values sort last
// in either direction.
func compareSort(keys []SortKey, a, b record) int {
	for _, k := range keys {
		va, _ := a.Get(k.Field)
		vb, _ := b.Get(k.Field)
		c := sortCompare(va, vb)
		if c != 0 && k.Desc && !va.IsNull() && !vb.IsNull() {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// dedupKey appends the key of r's values of fields; ok is false when r
// lacks one of them (such records are dropped by dedup).
func dedupKey(dst []byte, r record, fields []string) ([]byte, bool) {
	for _, f := range fields {
		v, ok := r.Get(f)
		if !ok || v.IsNull() {
			return dst, false
		}
		dst = appendKey(dst, v)
	}
	return dst, true
}

// applyEventPipe applies a per-event pipe (where, eval, rename, fields) to
// an event the executor owns. It reports false when the event is dropped.
func applyEventPipe(e *event.Event, p Pipe) bool {
	switch p := p.(type) {
	case *WherePipe:
		return truthy(p.Expr.eval(e))
	case *EvalPipe:
		for _, a := range p.Assigns {
			v := a.Expr.eval(e)
			if a.Name == event.FieldTimestamp {
				if v.Type() != event.TypeTime {
					if t, ok := v.Time(); ok {
						v = event.Time(t)
					} else if n, ok := v.Int(); ok && v.Type() == event.TypeInt {
						v = event.TimeNanos(n)
					}
				}
			}
			e.Set(a.Name, v)
		}
	case *RenamePipe:
		for _, rn := range p.Renames {
			if rn.From == rn.To {
				continue
			}
			v, ok := e.Get(rn.From)
			if !ok {
				continue
			}
			e.Delete(rn.From)
			e.Set(rn.To, v)
		}
	case *FieldsPipe:
		n := 0
		for _, f := range e.Fields {
			// event.count stays: it is how many events this one stands for.
			if slices.Contains(p.Fields, f.Name) != p.Remove || (!p.Remove && f.Name == event.FieldCount) {
				e.Fields[n] = f
				n++
			}
		}
		clear(e.Fields[n:])
		e.Fields = e.Fields[:n]
	}
	return true
}

// applyEventListPipe applies a non-aggregating pipe to a list of events the
// executor owns.
func applyEventListPipe(list []*event.Event, p Pipe) []*event.Event {
	switch p := p.(type) {
	case *SortPipe:
		slices.SortStableFunc(list, func(a, b *event.Event) int { return compareSort(p.Keys, a, b) })
		return list
	case *HeadPipe:
		if len(list) > p.N {
			clear(list[p.N:])
			list = list[:p.N]
		}
		return list
	case *DedupPipe:
		seen := map[string]bool{}
		var key []byte
		out := list[:0]
		for _, e := range list {
			var ok bool
			key, ok = dedupKey(key[:0], e, p.Fields)
			if ok && !seen[string(key)] {
				seen[string(key)] = true
				out = append(out, e)
			}
		}
		clear(list[len(out):])
		return out
	}
	out := list[:0]
	for _, e := range list {
		if applyEventPipe(e, p) {
			out = append(out, e)
		}
	}
	clear(list[len(out):])
	return out
}
