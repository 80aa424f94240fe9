package collectors

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/parse"
)

// DefaultMaxLineBytes is the longest line kept whole; longer lines are cut and rejected as too long.
const DefaultMaxLineBytes = 1 << 20

// ReadFile reads a whole file, plain or gzip-compressed (by its .gz name or its magic bytes), and
// calls fn for each line with its 1-based number and the byte offset of its first byte (in the
// decompressed stream for .gz). A last line without newline is delivered too. Lines longer than
// maxLine bytes are cut and flagged Truncated. progress, if not nil, is told the compressed bytes read.
func ReadFile(ctx context.Context, path string, maxLine int, progress io.Writer, fn func(parse.Line) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if progress != nil {
		r = io.TeeReader(f, progress)
	}
	br := bufio.NewReaderSize(r, 256<<10)
	magic, _ := br.Peek(2)
	if strings.HasSuffix(path, ".gz") || bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	return ReadLines(ctx, br, path, maxLine, fn)
}

// ReadLines splits r into lines as ReadFile does.
func ReadLines(ctx context.Context, br *bufio.Reader, path string, maxLine int, fn func(parse.Line) error) error {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	var off, num int64
	for {
		start := off
		chunk, err := br.ReadSlice('\n')
		off += int64(len(chunk))
		text := chunk
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: keep at most maxLine+1 bytes, skip the rest.
			buf := append([]byte(nil), chunk[:min(len(chunk), maxLine+1)]...)
			for errors.Is(err, bufio.ErrBufferFull) {
				chunk, err = br.ReadSlice('\n')
				off += int64(len(chunk))
				if len(buf) <= maxLine {
					buf = append(buf, chunk[:min(len(chunk), maxLine+1-len(buf))]...)
				}
			}
			text = buf
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(text) == 0 {
			return nil // end of file
		}
		text = bytes.TrimSuffix(text, []byte("\n"))
		text = bytes.TrimSuffix(text, []byte("\r"))
		truncated := len(text) > maxLine
		if truncated {
			text = text[:maxLine]
		}
		num++
		if ferr := fn(parse.Line{Text: text, Path: path, Offset: start, Number: num, Truncated: truncated}); ferr != nil {
			return ferr
		}
		if err != nil { // io.EOF after a last line without newline
			return nil
		}
		if num%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
