package riffq

import (
	"github.com/riffq/riffq/planner"
	"github.com/riffq/riffq/wire"
)

// planCacheSize bounds the plans one session keeps.
const planCacheSize = 64

// planCache keeps a session's reusable plans by statement text, so that a
// statement run again — a prepared statement executed many times, or the
// same query sent again — skips binding, optimizing and lowering. A plan
// is kept only if the planner says it is reusable (planner.Query.Reusable:
// no parameter values, no system tables, nothing fixed per statement such
// as now()), and only for the catalog version it was planned at: any
// registration, DDL or COMMENT makes the next execution plan afresh.
//
// Parameterized statements are planned for their values every time, as
// PostgreSQL's custom plans are, since the values decide pushdown and
// pruning.
type planCache struct {
	plans map[string]cachedPlan
}

type cachedPlan struct {
	version uint64
	query   *planner.Query
}

// planCacheKey is the wire.Session value key of a session's plan cache.
type planCacheKey struct{}

// sessionPlans returns the session's plan cache, creating it on first use.
// Only the session's own goroutine runs statements, so the cache needs no
// lock of its own.
func sessionPlans(s *wire.Session) *planCache {
	if c, ok := s.Value(planCacheKey{}).(*planCache); ok {
		return c
	}
	c := &planCache{plans: make(map[string]cachedPlan)}
	s.SetValue(planCacheKey{}, c)
	return c
}

// planKey is what a session's plan of text is kept under: the text, and
// the search_path when it is not the default one, since it decides which
// tables unqualified names are.
func planKey(s *wire.Session, text string) string {
	if _, sp, err := s.Setting("search_path"); err == nil && sp != planner.DefaultSearchPath {
		return text + "\x00" + sp
	}
	return text
}

// get returns the plan of text made at catalog version, if kept.
func (c *planCache) get(text string, version uint64) *planner.Query {
	p, ok := c.plans[text]
	if !ok {
		return nil
	}
	if p.version != version {
		delete(c.plans, text)
		return nil
	}
	return p.query
}

// put keeps q, planned at catalog version, if it is reusable.
func (c *planCache) put(text string, version uint64, q *planner.Query) {
	if !q.Reusable {
		return
	}
	if _, ok := c.plans[text]; !ok && len(c.plans) >= planCacheSize {
		for k := range c.plans { // evict an arbitrary plan
			delete(c.plans, k)
			break
		}
	}
	c.plans[text] = cachedPlan{version: version, query: q}
}
