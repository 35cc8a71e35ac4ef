package expr

import (
	"sync"

	"github.com/riffq/riffq/pgerror"
)

// SequenceState is a sequence's position (CREATE SEQUENCE, a serial or
// identity column's): every expression drawing from it shares it, under
// its lock, so that concurrent statements never get the same value.
type SequenceState struct {
	Name                       string
	Start, Increment, Min, Max int64

	mu     sync.Mutex
	last   int64
	called bool // last was handed out (or set as if it had been)
}

// NewSequenceState returns a sequence that starts at start and steps by
// increment within [min, max].
func NewSequenceState(name string, start, increment, min, max int64) *SequenceState {
	return &SequenceState{Name: name, Start: start, Increment: increment, Min: min, Max: max, last: start}
}

// Take hands out n values and returns the first; the others follow it,
// Increment apart. Past the bounds it fails with 2200H, taking none.
func (s *SequenceState) Take(n int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.last
	if s.called {
		first += s.Increment
	}
	end := first + (n-1)*s.Increment
	switch {
	case s.Increment > 0 && (end > s.Max || end < first):
		return 0, pgerror.New("2200H", "nextval: reached maximum value of sequence \"%s\" (%d)", s.Name, s.Max)
	case s.Increment < 0 && (end < s.Min || end > first):
		return 0, pgerror.New("2200H", "nextval: reached minimum value of sequence \"%s\" (%d)", s.Name, s.Min)
	}
	if n > 0 {
		s.last, s.called = end, true
	}
	return first, nil
}

// Set is setval: the next value is v's successor when called, else v.
func (s *SequenceState) Set(v int64, called bool) error {
	if v < s.Min || v > s.Max {
		return pgerror.New(pgerror.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence \"%s\" (%d..%d)", v, s.Name, s.Min, s.Max)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.called = v, called
	return nil
}

// Position returns the last value and whether it was handed out.
func (s *SequenceState) Position() (last int64, called bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.called
}
