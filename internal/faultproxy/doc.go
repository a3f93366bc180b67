// Package faultproxy is a TCP proxy that cuts and heals the network
// between PostgreSQL clients and the server, so tests can put a consumer
// in a network partition. The reliability suite uses it; it is not part
// of asynqpg's API.
package faultproxy
