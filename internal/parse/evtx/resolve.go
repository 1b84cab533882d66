package evtx

// A resolved record is a tree of xnodes in one arena, reused from record to
// record: template instances are expanded, substitutions replaced by their
// typed values, BinXML values (type 0x21) parsed and spliced in place, and
// array values expanded by repeating their element (MS-EVEN6 "Array Types",
// as libevtx and evtx_dump do).

const none int32 = -1

type xnode struct {
	kind  nodeKind
	vtype uint8  // kValue
	ch    uint16 // kCharRef
	name  string // kElement, kAttr, kEntityRef, kPITarget
	text  string // kText, kCDATA, kPIData
	off   int32  // kValue: bytes in the chunk
	size  int32
	attr  int32 // first attribute (kElement)
	kid   int32 // first child
	last  int32 // last child
	lastA int32 // last attribute
	next  int32 // next sibling
}

type resolver struct {
	p     *parser
	nodes []xnode
}

func (r *resolver) reset() { r.nodes = r.nodes[:0] }

func (r *resolver) add(n xnode) (int32, error) {
	if len(r.nodes) >= maxNodes {
		return none, r.p.errf(0, "record expands to more than %d nodes", maxNodes)
	}
	if err := r.p.charge(int(n.off), int(n.size)/8); err != nil {
		return none, err
	}
	n.attr, n.kid, n.last, n.lastA, n.next = none, none, none, none, none
	r.nodes = append(r.nodes, n)
	return int32(len(r.nodes) - 1), nil
}

func (r *resolver) link(parent, child int32) {
	if parent == none {
		return
	}
	p := &r.nodes[parent]
	if p.last == none {
		p.kid = child
	} else {
		r.nodes[p.last].next = child
	}
	p.last = child
}

func (r *resolver) linkAttr(parent, a int32) {
	p := &r.nodes[parent]
	if p.lastA == none {
		p.attr = a
	} else {
		r.nodes[p.lastA].next = a
	}
	p.lastA = a
}

// override replaces the array value of one substitution by one of its items
// while an element is repeated for each item.
type override struct {
	id        int
	off, size int32 // the item's bytes in the chunk
	typ       uint8
	on        bool
}

// resolve appends the nodes, instantiated with vals, as children of parent.
// Top-level elements (parent == none) are collected in roots.
func (r *resolver) resolve(parent int32, nodes []tnode, vals []value, ovr override, roots *[]int32) error {
	r.p.depth++
	defer func() { r.p.depth-- }()
	if r.p.depth > maxDepth {
		return r.p.errf(0, "nesting deeper than %d", maxDepth)
	}
	for i := range nodes {
		if err := r.p.step(0); err != nil {
			return err
		}
		n := &nodes[i]
		switch n.kind {
		case kElement:
			if err := r.element(parent, n, vals, ovr, roots); err != nil {
				return err
			}
		case kInstance:
			if err := r.resolve(parent, n.inst.tmpl.nodes, n.inst.values, override{}, roots); err != nil {
				return err
			}
		case kSubst:
			if err := r.subst(parent, n, vals, ovr, roots); err != nil {
				return err
			}
		default:
			x, err := r.add(xnode{kind: n.kind, name: n.name, text: n.text, ch: n.id})
			if err != nil {
				return err
			}
			r.link(parent, x)
		}
	}
	return nil
}

// arrayToExpand finds the first substitution directly in element n (content
// first, then attributes) whose value is an array of more than one item.
func (r *resolver) arrayToExpand(n *tnode, vals []value, ovr override) (id, count int) {
	check := func(t *tnode) (int, int, bool) {
		if t.kind != kSubst || int(t.id) >= len(vals) || (ovr.on && int(t.id) == ovr.id) {
			return 0, 0, false
		}
		v := vals[t.id]
		if v.typ&typeArray == 0 {
			return 0, 0, false
		}
		if r.p.charge(int(v.off), int(v.size)/8) != nil {
			return 0, 0, false // the budget error surfaces at the next step
		}
		if c := arrayLen(v.typ&^typeArray, r.p.b[v.off:v.off+v.size]); c > 1 {
			return int(t.id), c, true
		}
		return 0, 0, false
	}
	for i := range n.kids {
		if id, c, ok := check(&n.kids[i]); ok {
			return id, c
		}
	}
	for i := range n.attrs {
		for j := range n.attrs[i].val {
			if id, c, ok := check(&n.attrs[i].val[j]); ok {
				return id, c
			}
		}
	}
	return 0, 0
}

func (r *resolver) element(parent int32, n *tnode, vals []value, ovr override, roots *[]int32) error {
	if id, count := r.arrayToExpand(n, vals, ovr); count > 1 {
		v := vals[id]
		et := v.typ &^ typeArray
		b := r.p.b[v.off : v.off+v.size]
		var err error
		arrayItems(et, b, func(item []byte) bool {
			// item is a sub-slice of b: its offset is the difference of capacities.
			off := v.off + int32(cap(b)-cap(item))
			err = r.element1(parent, n, vals, override{id: id, off: off, size: int32(len(item)), typ: et, on: true}, roots)
			return err == nil
		})
		return err
	}
	return r.element1(parent, n, vals, ovr, roots)
}

func (r *resolver) element1(parent int32, n *tnode, vals []value, ovr override, roots *[]int32) error {
	x, err := r.add(xnode{kind: kElement, name: n.name})
	if err != nil {
		return err
	}
	if parent == none {
		*roots = append(*roots, x)
	} else {
		r.link(parent, x)
	}
	for i := range n.attrs {
		a := &n.attrs[i]
		ax, err := r.add(xnode{kind: kAttr, name: a.name})
		if err != nil {
			return err
		}
		if err := r.resolve(ax, a.val, vals, ovr, nil); err != nil {
			return err
		}
		// Attributes without content are not rendered (evtx_dump drops them).
		if r.nodes[ax].kid != none {
			r.linkAttr(x, ax)
		}
	}
	return r.resolve(x, n.kids, vals, ovr, nil)
}

func (r *resolver) subst(parent int32, n *tnode, vals []value, ovr override, roots *[]int32) error {
	if ovr.on && int(n.id) == ovr.id {
		if ovr.size == 0 {
			return nil
		}
		x, err := r.add(xnode{kind: kValue, vtype: ovr.typ, off: ovr.off, size: ovr.size})
		if err != nil {
			return err
		}
		r.link(parent, x)
		return nil
	}
	if int(n.id) >= len(vals) {
		return nil // a missing value renders as nothing, like an empty one
	}
	v := vals[n.id]
	if v.typ == typeNull || v.size == 0 {
		return nil
	}
	if v.typ == typeBinXML {
		c := cursor{pos: int(v.off), end: int(v.off + v.size), noDep: true}
		nodes, err := r.p.parseDocument(&c)
		if err != nil {
			return err
		}
		return r.resolve(parent, nodes, nil, override{}, roots)
	}
	if v.typ == typeString && isEmptyUTF16(r.p.b[v.off:v.off+v.size]) {
		return nil
	}
	x, err := r.add(xnode{kind: kValue, vtype: v.typ, off: v.off, size: v.size})
	if err != nil {
		return err
	}
	r.link(parent, x)
	return nil
}

// isEmptyUTF16 reports whether a string value renders empty (it starts with
// a NUL unit, and string values end at the first NUL).
func isEmptyUTF16(b []byte) bool {
	return len(b) < 2 || (b[0] == 0 && b[1] == 0)
}

// valueBytes returns the bytes of a kValue node.
func (r *resolver) valueBytes(x *xnode) []byte {
	return r.p.b[x.off : x.off+x.size]
}
