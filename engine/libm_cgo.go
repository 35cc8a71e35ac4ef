//go:build cgo

package engine

/*
#cgo LDFLAGS: -lm
#include <math.h>

// riffq_libm applies C math function fn to n values: one call per column,
// not per value, keeps cgo's per-call cost out of the loop.
static void riffq_libm(int fn, const double *x, const double *y, double *out, int n) {
	for (int i = 0; i < n; i++) {
		double a = x[i];
		switch (fn) {
		case 0: out[i] = sin(a); break;
		case 1: out[i] = cos(a); break;
		case 2: out[i] = tan(a); break;
		case 3: out[i] = asin(a); break;
		case 4: out[i] = acos(a); break;
		case 5: out[i] = atan(a); break;
		case 6: out[i] = sinh(a); break;
		case 7: out[i] = cosh(a); break;
		case 8: out[i] = tanh(a); break;
		case 9: out[i] = asinh(a); break;
		case 10: out[i] = acosh(a); break;
		case 11: out[i] = atanh(a); break;
		case 12: out[i] = exp(a); break;
		case 13: out[i] = log(a); break;
		case 14: out[i] = log10(a); break;
		case 15: out[i] = cbrt(a); break;
		case 16: out[i] = atan2(a, y[i]); break;
		case 17: out[i] = pow(a, y[i]); break;
		}
	}
}
*/
import "C"

import "unsafe"

// With cgo, the double precision functions are the C library's, as in
// PostgreSQL: Go's math package differs from glibc in the last digit of
// some results (sin(-2), tan(1)), and PostgreSQL's answers are glibc's.

var libmIndex = map[string]C.int{
	"sin": 0, "cos": 1, "tan": 2, "asin": 3, "acos": 4, "atan": 5, "sinh": 6, "cosh": 7, "tanh": 8,
	"asinh": 9, "acosh": 10, "atanh": 11, "exp": 12, "ln": 13, "log10": 14, "cbrt": 15, "atan2": 16, "power": 17,
}

// libm computes out[i] = name(x[i]) (or name(x[i], y[i])) with the C
// library; ok is false for a name it does not provide.
func libm(name string, x, y, out []float64) bool {
	fn, ok := libmIndex[name]
	if !ok {
		return false
	}
	if len(x) == 0 {
		return true
	}
	py := (*C.double)(unsafe.Pointer(&x[0]))
	if y != nil {
		py = (*C.double)(unsafe.Pointer(&y[0]))
	}
	C.riffq_libm(fn, (*C.double)(unsafe.Pointer(&x[0])), py, (*C.double)(unsafe.Pointer(&out[0])), C.int(len(x)))
	return true
}
