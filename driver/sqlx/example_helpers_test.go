package sqlxdriver_test

import "log"

// must returns v, and ends the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
