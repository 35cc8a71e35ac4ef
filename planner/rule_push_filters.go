package planner

import (
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/sources"
)

// pushFilters offers the conjuncts of a Filter directly above a Scan to the
// scan's provider. Conjuncts the provider accepts go into the scan; the
// Filter keeps every conjunct the provider does not apply exactly.
type pushFilters struct{}

func (pushFilters) name() string { return "push_filters" }

func (pushFilters) apply(p Plan) (Plan, error) {
	return transformUp(p, func(p Plan) (Plan, error) {
		f, ok := p.(*Filter)
		if !ok {
			return p, nil
		}
		scan, ok := f.Input.(*Scan)
		if !ok || scan.Projection != nil {
			return p, nil
		}
		pusher, ok := scan.Table.Provider.(sources.FilterPusher)
		if !ok {
			return p, nil
		}
		conj := expr.Conjuncts(f.Predicate)
		support := pusher.SupportsFilters(conj)
		ns := *scan
		ns.Filters = append([]expr.Expr{}, scan.Filters...)
		ns.Exact = append([]bool{}, scan.Exact...)
		var keep []expr.Expr
		for i, c := range conj {
			s := sources.Unsupported
			if i < len(support) {
				s = support[i]
			}
			if s != sources.Unsupported {
				ns.Filters = append(ns.Filters, c)
				ns.Exact = append(ns.Exact, s == sources.Exact)
			}
			if s != sources.Exact {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			return &ns, nil
		}
		pred := keep[0]
		for _, c := range keep[1:] {
			pred = &expr.Binary{Op: expr.And, Left: pred, Right: c, Type: typeBool}
		}
		return &Filter{Input: &ns, Predicate: pred}, nil
	})
}
