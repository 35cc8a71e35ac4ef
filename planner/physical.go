package planner

import (
	"fmt"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/sources"
)

// Physical lowers an optimized logical plan to engine operators.
func Physical(p Plan) (engine.Plan, error) {
	switch n := p.(type) {
	case *Scan:
		name := n.Table.Schema + "." + n.Table.Name
		return engine.NewScan(name, n.Table.Provider, sources.ScanRequest{
			Projection: n.Projection, Filters: n.Filters, Limit: n.Limit,
		}), nil
	case OneRow:
		return engine.OneRow{}, nil
	case *Filter:
		in, err := Physical(n.Input)
		if err != nil {
			return nil, err
		}
		return &engine.Filter{Input: in, Predicate: n.Predicate}, nil
	case *Project:
		in, err := Physical(n.Input)
		if err != nil {
			return nil, err
		}
		return engine.NewProject(in, n.Exprs, n.Names), nil
	case *Aggregate:
		in, err := Physical(n.Input)
		if err != nil {
			return nil, err
		}
		return engine.NewAggregate(in, n.GroupBy, n.Aggs, n.Names), nil
	case *Sort:
		in, err := Physical(n.Input)
		if err != nil {
			return nil, err
		}
		keys := make([]engine.SortKey, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = engine.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst}
		}
		return &engine.Sort{Input: in, Keys: keys}, nil
	case *Limit:
		in, err := Physical(n.Input)
		if err != nil {
			return nil, err
		}
		return &engine.Limit{Input: in, Offset: n.Offset, Count: n.Count}, nil
	}
	return nil, fmt.Errorf("no physical operator for %T", p)
}
