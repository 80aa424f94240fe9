package bsn

import (
	"encoding/binary"
	"math/bits"
)

// Scan's chunking: digit runs that start before limit are judged in a chunk, using up to
// contextBytes before them and lookahead bytes after; the next chunk starts with that context.
const (
	contextBytes = 16
	lookahead    = 32
)

// Byte classes for the hot loop.
const (
	isDigit = 1 << iota
	isLetter
)

var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = isDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = isLetter, isLetter
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = isLetter // part of a UTF-8 letter, most likely
	}
	return t
}()

func digit(c byte) bool { return class[c]&isDigit != 0 }

// scanner judges candidates and records them in a Result.
type scanner struct {
	res  *Result
	keep int // how many more numbers Result.Numbers may take
}

func newScanner(res *Result, opts Options) *scanner {
	keep := opts.MaxNumbers
	if keep == 0 {
		keep = DefaultMaxNumbers
	}
	return &scanner{res: res, keep: max(keep, 0)}
}

// scan judges the digit runs that start in buf[from:limit]. buf[:from] is context already judged;
// buf[limit:] is lookahead, and limit == len(buf) means the input ends there.
//
// Every candidate starts with a run of at least four digits (the bare form has eight or nine, the
// grouped forms start with four). The loop takes eight bytes at a time, marks their digits in
// parallel and computes where runs of four or more digits start, so it branches once per word
// and once per such run, not per byte.
func (s *scanner) scan(buf []byte, from, limit int) {
	n := len(buf)
	i := from
	var prev uint64 // the digit mask of the byte before i, in byte 0's position
	if i > 0 && digit(buf[i-1]) {
		prev = 0x80
	}
	if i+16 <= n {
		d0 := digitMask(binary.LittleEndian.Uint64(buf[i:]))
		for ; i < limit; i += 8 {
			d1 := digitMask(binary.LittleEndian.Uint64(buf[i+8:]))
			four := d0 & (d0>>8 | d1<<56) & (d0>>16 | d1<<48) & (d0>>24 | d1<<40)
			starts := four &^ (d0<<8 | prev)
			for starts != 0 {
				start := i + bits.TrailingZeros64(starts)>>3
				starts &= starts - 1
				if start < limit {
					s.run(buf, start, limit == n)
				}
			}
			prev, d0 = d0>>56, d1
			if i+24 > n {
				i += 8
				break
			}
		}
	}
	// The last few bytes at the end of the input: one probe per four bytes.
	for tail := i; i < limit && i+3 < n; {
		if class[buf[i+3]]&isDigit == 0 {
			i += 4
			continue
		}
		start := i + 3
		for start > tail && class[buf[start-1]]&isDigit != 0 {
			start--
		}
		end := i + 4
		for end < n && class[buf[end]]&isDigit != 0 {
			end++
		}
		if end-start < 4 || start == tail && start > 0 && digit(buf[start-1]) {
			i = end // too short, or judged by the word loop
			continue
		}
		i = s.run(buf, start, limit == n)
	}
}

// run judges the run of four or more digits that starts at buf[start] and returns the index after
// it, or after the grouped number it begins.
func (s *scanner) run(buf []byte, start int, eof bool) int {
	n := len(buf)
	end := start + 4
	for {
		if end+8 > n {
			for end < n && class[buf[end]]&isDigit != 0 {
				end++
			}
			break
		}
		if nd := ^digitMask(binary.LittleEndian.Uint64(buf[end:])) & high; nd != 0 {
			end += bits.TrailingZeros64(nd) >> 3
			break
		}
		end += 8
	}
	switch end - start {
	case 8, 9:
		s.bare(buf, start, end, eof)
	case 4:
		if next := s.grouped(buf, start); next > end {
			return next
		}
	}
	return end
}

const (
	low7       = 0x7f7f7f7f7f7f7f7f
	high       = 0x8080808080808080
	fourStarts = 0x0000008080808080 // bytes 0-4: where four digits in a row fit in a word
)

// digitMask sets the high bit of each byte of w (eight bytes, little-endian) that is an ASCII
// digit. Each byte is computed alone: no carry crosses bytes.
func digitMask(w uint64) uint64 {
	y := w & low7
	return (y + 0x5050505050505050) &^ (y + 0x4646464646464646) &^ w & high
}

// bare judges the run buf[start:end] of eight or nine digits.
func (s *scanner) bare(buf []byte, start, end int, eof bool) {
	if start > 0 {
		c := buf[start-1]
		if class[c]&isLetter != 0 || c == '.' && start > 1 && digit(buf[start-2]) {
			return // a word, an IBAN, or the tail of a decimal or dotted number
		}
	}
	if end < len(buf) {
		c := buf[end]
		if class[c]&isLetter != 0 || c == '.' && end+1 < len(buf) && digit(buf[end+1]) {
			return
		}
	} else if !eof {
		return // cannot happen: a run reaching past the lookahead is longer than nine
	}
	d := buf[start:end]
	if len(d) == 8 && dateLike(d) || phoneLike(buf, start, len(d)) {
		return
	}
	if !elfproef(d) {
		s.res.Invalid++
		return
	}
	s.res.Valid++
	if s.keep > 0 {
		s.keep--
		var nine [9]byte
		nine[0] = '0'
		copy(nine[9-len(d):], d)
		s.res.Numbers = append(s.res.Numbers, string(nine[:]))
	}
}

// grouped judges a 4-2-3 form (1234.56.782 or 1234 56 782) whose first group is buf[start:start+4]
// and returns the index after it, or 0 when there is none.
func (s *scanner) grouped(buf []byte, start int) int {
	n := len(buf)
	p := start + 4
	if p+7 > n {
		return 0
	}
	sep := buf[p]
	if sep != '.' && sep != ' ' || !digit(buf[p+1]) || !digit(buf[p+2]) || buf[p+3] != sep ||
		!digit(buf[p+4]) || !digit(buf[p+5]) || !digit(buf[p+6]) {
		return 0
	}
	end := p + 7
	if end < n && (digit(buf[end]) || buf[end] == sep && end+1 < n && digit(buf[end+1])) {
		return 0 // a longer grouped number
	}
	if start > 1 && buf[start-1] == sep && digit(buf[start-2]) || phoneLike(buf, start, 9) {
		return 0
	}
	var nine [9]byte
	copy(nine[:4], buf[start:p])
	copy(nine[4:6], buf[p+1:p+3])
	copy(nine[6:], buf[p+4:end])
	if !elfproef(nine[:]) {
		s.res.Invalid++
		return end
	}
	s.res.Valid++
	if s.keep > 0 {
		s.keep--
		s.res.Numbers = append(s.res.Numbers, string(nine[:]))
	}
	return end
}

// phoneLike reports whether the digits at buf[start:] (digits of them) continue a telephone
// number: "+31 612345678", "+31 6 12345678", "06-12345678", "0031 6 12345678".
func phoneLike(buf []byte, start, digits int) bool {
	j := start - 1
	if j < 1 || buf[j] != ' ' && buf[j] != '-' {
		return false
	}
	k := j
	for k > 0 && j-k <= 4 && digit(buf[k-1]) {
		k--
	}
	g := buf[k:j]
	if len(g) == 0 || len(g) > 4 {
		return false
	}
	if k > 0 && buf[k-1] == '+' || len(g) >= 3 && g[0] == '0' && g[1] == '0' {
		return true // +31 612345678, 0031 612345678
	}
	mobile := len(g) == 1 && g[0] == '6' || len(g) == 2 && g[0] == '0' && g[1] == '6'
	return mobile && digits == 8
}

// dateLike reports whether eight digits read as a date yyyymmdd or ddmmyyyy (1900-2099).
func dateLike(d []byte) bool {
	num := func(b []byte) int {
		v := 0
		for _, c := range b {
			v = v*10 + int(c-'0')
		}
		return v
	}
	ymd := func(y, m, dd int) bool { return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && dd >= 1 && dd <= 31 }
	return ymd(num(d[:4]), num(d[4:6]), num(d[6:])) || ymd(num(d[4:]), num(d[2:4]), num(d[:2]))
}
