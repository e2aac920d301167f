package main

// Code generation runs from the repository root so entc and gqlgen agree on
// paths; `make generate` (or `go generate ./...`) runs both.
//go:generate go run -mod=mod ./ent/entc.go
//go:generate go tool gqlgen generate
