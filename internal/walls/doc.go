// Package walls is the architecture test of the module: which packages may
// import which (walls_test.go). It holds no code but tests.
package walls
