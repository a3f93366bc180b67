package driver

import "errors"

// SQLSTATE codes the engine reacts to.
const (
	CodeUniqueViolation      = "23505"
	CodeQueryCanceled        = "57014"
	CodeSerializationFailure = "40001"
	CodeDeadlockDetected     = "40P01"
	CodeAdminShutdown        = "57P01"
	CodeUndefinedTable       = "42P01"
	CodeUndefinedColumn      = "42703"
)

// SQLState returns the SQLSTATE code carried by err (from pgconn, lib/pq,
// bun's pgdriver, or any error with a SQLState method), or "" when there is
// none.
func SQLState(err error) string {
	if err == nil {
		return ""
	}
	var withState interface{ SQLState() string }
	if errors.As(err, &withState) {
		return withState.SQLState()
	}
	var withField interface{ Field(byte) string }
	if errors.As(err, &withField) {
		return withField.Field('C')
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	return SQLState(err) == CodeUniqueViolation
}
