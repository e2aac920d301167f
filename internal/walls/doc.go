// Package walls is the architecture test of the module: which packages may
// import which (walls_test.go) and which methods a package may not call,
// such as the sync engine's ent and SQL writes (callwall_test.go). It holds
// no code but tests.
package walls
