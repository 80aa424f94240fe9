package parse

import (
	"net/netip"
	"time"
)

// The small readers the text parsers share: cheaper than strconv, net and time.Parse for the
// common case, with the parser falling back to those for anything else.

// IsIP says whether s is an IP address without a zone (what net.ParseIP accepts), without
// allocating for the names that are no address.
func IsIP(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':') {
			return false // a zone (%eth0) is no address for net.ParseIP either
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// Digits reads s when it is all decimal digits (up to 18 of them).
func Digits(s string) (int, bool) {
	if len(s) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// DaysIn is the number of days of month m in year.
func DaysIn(m time.Month, year int) int {
	if m == time.February && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return monthDays[m]
}

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
