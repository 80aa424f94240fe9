// Package bsn finds Dutch burgerservicenummers (BSN) in text: bare, dotted or spaced, checked with
// the elfproef, counted, and the valid ones kept; it also notices a CSV header that names a BSN column.
package bsn

import (
	"bytes"
	"io"
)

// DefaultMaxNumbers is how many valid numbers a Result keeps when Options.MaxNumbers is zero.
const DefaultMaxNumbers = 10000

// DefaultBufferSize is the read buffer of Scan when Options.BufferSize is zero.
const DefaultBufferSize = 256 << 10

// MinBufferSize is the smallest buffer Scan uses; smaller Options.BufferSize values are raised to it.
const MinBufferSize = 2 * (contextBytes + lookahead)

// Options tune a scan. The zero value is ready to use.
type Options struct {
	// MaxNumbers caps Result.Numbers: 0 means DefaultMaxNumbers, a negative value keeps none.
	// Valid and Invalid count every candidate regardless.
	MaxNumbers int
	// BufferSize is Scan's read buffer in bytes: 0 means DefaultBufferSize.
	BufferSize int
}

// Result is what a scan found.
type Result struct {
	// Valid counts delimited candidates that pass the elfproef.
	Valid int
	// Invalid counts delimited candidates that fail it.
	Invalid int
	// Numbers holds the valid BSNs, normalized to nine digits, in order of appearance, capped by
	// Options.MaxNumbers.
	Numbers []string
	// HeaderColumn is true when the first line is a CSV/TSV/semicolon header naming a BSN column.
	HeaderColumn bool
}

// Valid reports whether digits is a BSN: nine ASCII digits (eight are read with a leading zero),
// not all zeros, passing the elfproef 9*d1+8*d2+...+2*d8-1*d9 ≡ 0 (mod 11).
func Valid(digits string) bool {
	if len(digits) != 8 && len(digits) != 9 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return elfproef(digits)
}

// elfproef checks eight or nine ASCII digits, known to be digits.
func elfproef[T string | []byte](d T) bool {
	var sum, any int
	if len(d) == 9 {
		sum = 9*int(d[0]-'0') + 8*int(d[1]-'0')
		any = int(d[0]-'0') | int(d[1]-'0')
		d = d[1:]
	} else {
		sum = 8 * int(d[0]-'0')
		any = int(d[0] - '0')
	}
	_ = d[7]
	a, b, c, e, f, g, h := int(d[1]-'0'), int(d[2]-'0'), int(d[3]-'0'), int(d[4]-'0'), int(d[5]-'0'), int(d[6]-'0'), int(d[7]-'0')
	sum += 7*a + 6*b + 5*c + 4*e + 3*f + 2*g - h
	any |= a | b | c | e | f | g | h
	return any != 0 && sum%11 == 0
}

// Likely says whether a result looks like a list of BSNs rather than chance hits: a header names
// a BSN column and at least one valid number follows, or there are at least ten valid numbers
// and at least five times as many valid as invalid ones. About one in eleven random nine-digit
// numbers passes the elfproef, so random numbers give roughly one valid per ten invalid.
func Likely(res Result) bool {
	if res.HeaderColumn && res.Valid >= 1 {
		return true
	}
	return res.Valid >= 10 && res.Valid >= 5*res.Invalid
}

// ScanBytes scans b as a whole.
func ScanBytes(b []byte, opts Options) Result {
	var res Result
	s := newScanner(&res, opts)
	s.scan(b, 0, len(b))
	p := b[:min(len(b), headerMax)]
	res.HeaderColumn = detectHeader(p, len(b) <= headerMax)
	return res
}

// Scan reads r to its end with a bounded buffer and reports what it found; a number split
// across two reads is found once. On a read error it returns what it found so far and the error.
func Scan(r io.Reader, opts Options) (Result, error) {
	var res Result
	s := newScanner(&res, opts)
	size := opts.BufferSize
	if size == 0 {
		size = DefaultBufferSize
	}
	buf := make([]byte, max(size, MinBufferSize))
	var hdr header
	n, from, eof := 0, 0, false
	for {
		read, err := fill(r, buf[n:])
		hdr.add(buf[n:n+read], err == io.EOF)
		n += read
		if err == io.EOF {
			eof = true
		} else if err != nil {
			res.HeaderColumn = hdr.found
			return res, err
		}
		limit := n
		if !eof {
			limit = n - lookahead
		}
		s.scan(buf[:n], from, limit)
		if eof {
			break
		}
		keep := limit - contextBytes
		n = copy(buf, buf[keep:n])
		from = contextBytes
	}
	res.HeaderColumn = hdr.found
	return res, nil
}

// fill reads into p until it is full, the input ends (io.EOF) or an error occurs.
func fill(r io.Reader, p []byte) (int, error) {
	n, empty := 0, 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m == 0 {
			if empty++; empty >= 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}

// header collects the start of a stream until its first line can be judged.
type header struct {
	prefix []byte
	total  int
	done   bool
	found  bool
}

// add takes the next bytes of the stream; eof says the stream ends after them.
func (h *header) add(p []byte, eof bool) {
	if h.done {
		return
	}
	h.total += len(p)
	h.prefix = append(h.prefix, p[:min(len(p), headerMax-len(h.prefix))]...)
	if bytes.IndexByte(h.prefix, '\n') >= 0 || h.total > headerMax || eof {
		h.found = detectHeader(h.prefix, h.total <= headerMax)
		h.done, h.prefix = true, nil
	}
}
