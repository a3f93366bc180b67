package engine

import "context"
import "fmt"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"

// CheckSchema checks that the database holds the schema this engine
// needs. It returns an error matching [asynqpg.ErrSchemaNotMigrated] that
// names what is missing, or the driver's error when the database cannot
// be reached (a wrong password, say).
func CheckSchema(ctx context.Context, ex driver.Executor) error {
	var missing string
	if err := ex.QueryRow(ctx, sqlCheckSchema).Scan(&missing); err != nil {
		return fmt.Errorf("check the asynqpg schema: %w", schemaError(err))
	}
	if missing != "" {
		return fmt.Errorf("%w (missing: %s)", asynqpg.ErrSchemaNotMigrated, missing)
	}
	return nil
}

// schemaError turns the error of a statement that named a table or column
// the database does not have into one matching
// [asynqpg.ErrSchemaNotMigrated]; other errors are returned as they are.
func schemaError(err error) error {
	switch driver.SQLState(err) {
	case driver.CodeUndefinedTable, driver.CodeUndefinedColumn:
		return fmt.Errorf("%w: %w", asynqpg.ErrSchemaNotMigrated, err)
	}
	return err
}
