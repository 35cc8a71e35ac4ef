package wire

import "github.com/riffq/riffq/pgerror"

// txLog is what a transaction block must undo if it rolls back, and what
// it must do when it ends either way (release the tables it holds).
type txLog struct {
	undo       []func()
	onEnd      []func()
	savepoints []savepoint
	values     map[any]any
}

// TxValue returns the value the block keeps for key, nil if none.
func (s *Session) TxValue(key any) any { return s.txLog.values[key] }

// SetTxValue keeps a value for key until the block ends; outside a block
// it does nothing.
func (s *Session) SetTxValue(key, value any) {
	if !s.logging() {
		return
	}
	if s.txLog.values == nil {
		s.txLog.values = make(map[any]any)
	}
	s.txLog.values[key] = value
}

// savepoint marks how much of the undo log a savepoint keeps.
type savepoint struct {
	name string
	mark int
}

// OnRollback registers undo to run if the block, or a savepoint made
// before this call, rolls back; undos run latest first. Outside a block
// it does nothing.
func (s *Session) OnRollback(undo func()) {
	if s.logging() {
		s.txLog.undo = append(s.txLog.undo, undo)
	}
}

// OnTxEnd registers fn to run when the block ends, committed or rolled
// back (or the connection closes); outside a block it runs fn at once.
func (s *Session) OnTxEnd(fn func()) {
	if !s.logging() {
		fn()
		return
	}
	s.txLog.onEnd = append(s.txLog.onEnd, fn)
}

// Savepoint makes a savepoint of the block (SAVEPOINT name); a name used
// before is hidden by the new one until it is released, as in PostgreSQL.
func (s *Session) Savepoint(name string) {
	s.txLog.savepoints = append(s.txLog.savepoints, savepoint{name: name, mark: len(s.txLog.undo)})
}

// findSavepoint returns the index of the latest savepoint called name.
func (s *Session) findSavepoint(name string) (int, error) {
	for i := len(s.txLog.savepoints) - 1; i >= 0; i-- {
		if s.txLog.savepoints[i].name == name {
			return i, nil
		}
	}
	return 0, pgerror.New("3B001", "savepoint \"%s\" does not exist", name)
}

// RollbackTo undoes what the block did since savepoint name, which stays
// (ROLLBACK TO SAVEPOINT name); later savepoints are dropped.
func (s *Session) RollbackTo(name string) error {
	i, err := s.findSavepoint(name)
	if err != nil {
		return err
	}
	s.runUndo(s.txLog.savepoints[i].mark)
	s.txLog.savepoints = s.txLog.savepoints[:i+1]
	return nil
}

// ReleaseSavepoint drops savepoint name and those made after it, keeping
// what the block did (RELEASE SAVEPOINT name).
func (s *Session) ReleaseSavepoint(name string) error {
	i, err := s.findSavepoint(name)
	if err != nil {
		return err
	}
	s.txLog.savepoints = s.txLog.savepoints[:i]
	return nil
}

// runUndo undoes the log back to mark, latest first.
func (s *Session) runUndo(mark int) {
	for i := len(s.txLog.undo) - 1; i >= mark; i-- {
		s.txLog.undo[i]()
	}
	s.txLog.undo = s.txLog.undo[:mark]
}

// finishTxLog ends the block's log: a rollback undoes it all; then every
// end action runs.
func (s *Session) finishTxLog(commit bool) {
	if !commit {
		s.runUndo(0)
	}
	for _, fn := range s.txLog.onEnd {
		fn()
	}
	s.txLog = txLog{}
}

// abortTx is what an error does to the block. Without savepoints its
// changes are undone and its tables freed at once, as PostgreSQL aborts
// the transaction (the block stays failed until ROLLBACK), so a deadlock's
// victim frees the others; with savepoints they wait for ROLLBACK TO.
func (s *Session) abortTx() {
	if len(s.txLog.savepoints) == 0 {
		s.finishTxLog(false)
	}
}

// notice is a NoticeResponse waiting for its statement to return.
type notice struct {
	severity, code, message string
}

// Notice queues a NOTICE for the client, sent when the statement running
// now returns (DROP TABLE IF EXISTS of a missing table...).
func (s *Session) Notice(code, message string) {
	s.notices = append(s.notices, notice{"NOTICE", code, message})
}

// Warning queues a WARNING for the client, sent when the statement running
// now returns (SET TRANSACTION outside a transaction block...).
func (s *Session) Warning(code, message string) {
	s.notices = append(s.notices, notice{"WARNING", code, message})
}

// SQLPrepared returns the statement PREPARE name stored, if any.
func (s *Session) SQLPrepared(name string) (any, bool) {
	v, ok := s.sqlPrepared[name]
	return v, ok
}

// SetSQLPrepared stores PREPARE name's statement; a name in use is 42P05.
func (s *Session) SetSQLPrepared(name string, stmt any) error {
	if _, ok := s.sqlPrepared[name]; ok {
		return pgerror.New("42P05", "prepared statement \"%s\" already exists", name)
	}
	if s.conn != nil {
		if _, ok := s.conn.prepared[name]; ok && name != "" {
			return pgerror.New("42P05", "prepared statement \"%s\" already exists", name)
		}
	}
	if s.sqlPrepared == nil {
		s.sqlPrepared = make(map[string]any)
	}
	s.sqlPrepared[name] = stmt
	return nil
}
