//go:build !cgo

package engine

// Without cgo, Go's math package computes the double precision functions;
// a few results differ from PostgreSQL's (glibc's) in the last digit.
func libm(name string, x, y, out []float64) bool { return false }
