// Package scantime rewrites the times a row scan wrote into its
// destinations, for adapters that normalize them and for tests that skew
// them.
package scantime

import "time"

// Map replaces every non-zero time that a scan wrote into a *time.Time, and
// every non-nil one behind a **time.Time, with f of it. Other destinations
// are left as they are.
func Map(dest []any, f func(time.Time) time.Time) {
	for _, d := range dest {
		switch v := d.(type) {
		case *time.Time:
			if v != nil && !v.IsZero() {
				*v = f(*v)
			}
		case **time.Time:
			if v != nil && *v != nil {
				t := f(**v)
				*v = &t
			}
		}
	}
}
