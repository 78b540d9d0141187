// Package load is the load harness: a mixed GraphQL workload driven by vegeta at a
// constant arrival rate, per-operation latency and error reports, a search for the
// peak sustainable rate, the overhead of our layers against raw Redis and SQL, fault
// scenarios (Redis and PostgreSQL restarted under load, a soak) and a check that
// every evidence write the server acknowledged is in the database afterwards.
//
// Why a constant arrival rate: a closed loop of N clients slows down with the
// server and hides overload (coordinated omission). vegeta sends at the rate asked
// whatever the server does, so latency under overload is what a client would see.
//
// The package talks to the server over HTTP only; to the database only to pick
// learners and to check writes, and to Redis only to size a cached ranking for the
// redis-benchmark baseline. cmd/karmayogi starts the servers (internal/testenv),
// wires the harness to them and mints its tokens with the server's own code.
package load
