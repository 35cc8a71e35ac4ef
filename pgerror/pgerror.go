// Package pgerror defines PostgreSQL errors: a message with a SQLSTATE code and
// the optional fields of PostgreSQL's ErrorResponse, so any layer of riffq (and
// any embedding application) can fail with the error a client expects.
package pgerror

import (
	"errors"
	"fmt"
)

// SQLSTATE codes used by riffq. See PostgreSQL's Appendix A for the full list.
const (
	SuccessfulCompletion      = "00000"
	FeatureNotSupported       = "0A000"
	InvalidParameterValue     = "22023"
	DivisionByZero            = "22012"
	NumericValueOutOfRange    = "22003"
	InvalidTextRepresentation = "22P02"
	BadCopyFileFormat         = "22P04"
	CharacterNotInRepertoire  = "22021"
	DatetimeFieldOverflow     = "22008"
	SyntaxError               = "42601"
	UndefinedTable            = "42P01"
	UndefinedColumn           = "42703"
	UndefinedFunction         = "42883"
	AmbiguousColumn           = "42702"
	DatatypeMismatch          = "42804"
	GroupingError             = "42803"
	InvalidColumnReference    = "42P10"
	DuplicateTable            = "42P07"
	DuplicateColumn           = "42701"
	WrongObjectType           = "42809"
	InvalidSchemaName         = "3F000"
	InsufficientPrivilege     = "42501"
	ProtocolViolation         = "08P01"
	InvalidAuthorization      = "28000"
	ActiveSQLTransaction      = "25001"
	NoActiveSQLTransaction    = "25P01"
	QueryCanceled             = "57014"
	AdminShutdown             = "57P01"
	InternalError             = "XX000"
)

// Severities of an ErrorResponse.
const (
	SeverityError = "ERROR"
	SeverityFatal = "FATAL"
	SeverityPanic = "PANIC"
)

// Error is a PostgreSQL error. Position, when non-zero, is the 1-based
// character offset into the statement text at which the error was found,
// as PostgreSQL reports it.
type Error struct {
	Severity string
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int
	// The object an integrity violation concerns, as PostgreSQL reports
	// it (drivers map errors to constraints by these); empty when none.
	SchemaName, TableName, ColumnName, ConstraintName string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (SQLSTATE %s)", e.severity(), e.Message, e.Code)
}

func (e *Error) severity() string {
	if e.Severity == "" {
		return SeverityError
	}
	return e.Severity
}

// SeverityOrDefault reports the error's severity, ERROR when unset.
func (e *Error) SeverityOrDefault() string { return e.severity() }

// New returns an ERROR with the given SQLSTATE and message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithPosition returns a copy of e that points at the given 1-based character
// position of the statement.
func (e *Error) WithPosition(pos int) *Error {
	c := *e
	c.Position = pos
	return &c
}

// WithDetail returns a copy of e with a detail message.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// WithConstraint returns a copy of e naming the table and constraint an
// integrity violation concerns.
func (e *Error) WithConstraint(table, constraint string) *Error {
	c := *e
	c.TableName, c.ConstraintName = table, constraint
	return &c
}

// WithHint returns a copy of e with a hint.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// From returns err as a PostgreSQL error. An error that carries no *Error in
// its chain becomes an internal error (XX000) with err's text as its message,
// so a client always receives a well-formed ErrorResponse. From(nil) is nil.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Code: InternalError, Message: err.Error()}
}
