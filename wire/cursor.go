package wire

import (
	"io"

	"github.com/riffq/riffq/pgerror"
)

// sessionCursor is an open cursor of SQL's DECLARE, which the session
// keeps by name (Close releases its running query), with what the end of
// a transaction does to it.
type sessionCursor struct {
	io.Closer
	hold    bool // WITH HOLD: outlives the block that declared it
	inBlock bool // declared in the open block: a rollback closes it
}

// DeclareCursor keeps c under name. A cursor without hold lives until the
// transaction block ends, so it needs one (25P01); a name in use is 42P03.
func (s *Session) DeclareCursor(name string, c io.Closer, hold bool) error {
	if _, ok := s.cursors[name]; ok {
		return pgerror.New("42P03", "cursor \"%s\" already exists", name)
	}
	if !hold && !s.inTx() {
		return pgerror.New("25P01", "DECLARE CURSOR can only be used in transaction blocks")
	}
	if s.cursors == nil {
		s.cursors = make(map[string]*sessionCursor)
	}
	s.cursors[name] = &sessionCursor{Closer: c, hold: hold, inBlock: s.inTx()}
	return nil
}

// Cursor returns the cursor declared as name; a missing one is 34000.
func (s *Session) Cursor(name string) (io.Closer, error) {
	c, ok := s.cursors[name]
	if !ok {
		return nil, pgerror.New("34000", "cursor \"%s\" does not exist", name)
	}
	return c.Closer, nil
}

// CloseCursor closes the cursor name (34000 when there is none).
func (s *Session) CloseCursor(name string) error {
	c, ok := s.cursors[name]
	if !ok {
		return pgerror.New("34000", "cursor \"%s\" does not exist", name)
	}
	_ = c.Close()
	delete(s.cursors, name)
	return nil
}

// CloseAllCursors closes every cursor of the session (CLOSE ALL, and the
// end of the connection).
func (s *Session) CloseAllCursors() {
	for name, c := range s.cursors {
		_ = c.Close()
		delete(s.cursors, name)
	}
}

// endCursors closes the cursors a block's end ends: those without hold,
// and on rollback those the block declared.
func (s *Session) endCursors(commit bool) {
	for name, c := range s.cursors {
		if !c.hold || (!commit && c.inBlock) {
			_ = c.Close()
			delete(s.cursors, name)
			continue
		}
		c.inBlock = false
	}
}
