package pgtypes

import "math/bits"

// Integers and decimals are most of what a wide result prints, so they are
// written straight into the output two digits at a time, sized first,
// rather than formatted into a scratch array and copied (strconv's way).

// digitPairs holds "00" through "99".
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// pow10 holds 10^0 through 10^19, every power of ten a uint64 holds.
var pow10 = [20]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// decimalDigits is the number of decimal digits of u (1 for 0).
func decimalDigits(u uint64) int {
	// log10(2) ≈ 1233/4096: an estimate that is exact or one short.
	n := (bits.Len64(u) * 1233) >> 12
	if n < len(pow10) && u >= pow10[n] {
		n++
	}
	return max(n, 1)
}

// grow extends buf by n bytes and returns it with the new bytes' index.
func grow(buf []byte, n int) ([]byte, int) {
	at := len(buf)
	if cap(buf)-at < n {
		buf = append(buf, make([]byte, n)...)
		return buf, at
	}
	return buf[:at+n], at
}

// putDigits writes u into all of dst, right-aligned, padding with zeros
// on the left; dst must have room for every digit of u.
func putDigits(dst []byte, u uint64) {
	i := len(dst)
	for u >= 100 {
		q := u / 100
		r := (u - q*100) * 2
		i -= 2
		dst[i], dst[i+1] = digitPairs[r], digitPairs[r+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		dst[i], dst[i+1] = digitPairs[2*u], digitPairs[2*u+1]
	} else if i > 0 {
		i--
		dst[i] = byte('0' + u)
	}
	for i > 0 {
		i--
		dst[i] = '0'
	}
}

// AppendUint appends the decimal digits of u, as strconv.AppendUint does.
func AppendUint(buf []byte, u uint64) []byte {
	buf, at := grow(buf, decimalDigits(u))
	putDigits(buf[at:], u)
	return buf
}

// AppendInt appends v in decimal, as strconv.AppendInt does.
func AppendInt(buf []byte, v int64) []byte {
	if v >= 0 {
		return AppendUint(buf, uint64(v))
	}
	buf = append(buf, '-')
	return AppendUint(buf, uint64(-(v+1))+1) // no overflow at MinInt64
}

// AppendDecimalInt64 is AppendDecimal for an unscaled value that fits int64.
func AppendDecimalInt64(buf []byte, unscaled int64, scale int32) []byte {
	if scale <= 0 {
		buf = AppendInt(buf, unscaled)
		for range -scale {
			buf = append(buf, '0')
		}
		return buf
	}
	u := uint64(unscaled)
	if unscaled < 0 {
		buf = append(buf, '-')
		u = uint64(-(unscaled + 1)) + 1
	}
	// All digits zero-padded to one more than the scale, then the last
	// scale of them moved right to make room for the point: no division
	// by a power of ten unknown at compile time.
	s := int(scale)
	n := max(decimalDigits(u), s+1)
	buf, at := grow(buf, n+1)
	putDigits(buf[at:at+n], u)
	point := at + n - s
	copy(buf[point+1:], buf[point:at+n])
	buf[point] = '.'
	return buf
}
