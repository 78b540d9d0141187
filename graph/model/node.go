// Package model holds the GraphQL inputs, payloads and connections that have no
// domain type of their own; gqlgen generates most of it (models_gen.go).
package model

// Node is any object with a global ID: the domain types of package models that
// implement the GraphQL Node interface. It is empty so that those types need no
// marker method; the generated code switches on their concrete types.
type Node interface{}
