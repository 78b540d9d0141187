// Package domain holds the rules of the learning record as plain functions and
// types: what karma an activity earns and the monthly caps, what completing a
// course sets off, the gap arithmetic that the rollups sum, seat allocation and
// the waiting lists, and plan assignment. It does no I/O and knows no SQL: the
// store reads the facts a rule needs, calls it and writes what it returns, and the
// PostgreSQL bulk loader (internal/store/pgload) calls the same functions on the
// learners it holds in memory, so each rule is written once.
//
// Where the store applies a rule in SQL instead (the gap rows and rollups, a
// learner's first enrolment, the monthly counts), the function here is the same
// rule in Go, operation by operation, and its doc comment names the SQL it must
// agree with; the loader's tests keep the two equal.
package domain
