package planner

import "slices"

// pushLimit gives a scan the number of rows a Limit above it needs when only
// projections stand between them and the scan applies all its filters
// exactly, so the provider can stop reading early; and a Sort under a
// Limit the rows to keep (top-K).
type pushLimit struct{}

func (pushLimit) name() string { return "push_limit" }

func (pushLimit) apply(p Plan) (Plan, error) {
	return transformUp(p, func(p Plan) (Plan, error) {
		l, ok := p.(*Limit)
		if !ok || l.Count < 0 || l.WithTies {
			return p, nil // the ties after the last row are not counted
		}
		if srt, ok := l.Input.(*Sort); ok && l.Offset+l.Count > 0 {
			ns := *srt
			ns.Fetch = l.Offset + l.Count
			return &Limit{Input: &ns, Offset: l.Offset, Count: l.Count}, nil
		}
		return &Limit{Input: limitScan(l.Input, l.Offset+l.Count), Offset: l.Offset, Count: l.Count}, nil
	})
}

func limitScan(p Plan, n int64) Plan {
	switch x := p.(type) {
	case *Project:
		return &Project{Input: limitScan(x.Input, n), Exprs: x.Exprs, Names: x.Names}
	case *Scan:
		if slices.Contains(x.Exact, false) {
			return p
		}
		s := *x
		if s.Limit < 0 || n < s.Limit {
			s.Limit = n
		}
		return &s
	}
	return p
}
