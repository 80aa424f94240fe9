package daemon

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/event"
)

// eventsOutput writes normalized events as JSON lines to events.file (if configured). Its size is
// part of the checkpoint: a restart cuts off what was written after the last checkpoint, so the
// events re-derived from the re-read lines are not written twice.
type eventsOutput struct {
	f    *os.File
	w    jsonLines
	size int64
}

// jsonLines writes events as JSON lines (event.AppendJSON) to a buffered writer, reusing one buffer.
type jsonLines struct {
	*bufio.Writer
	buf []byte
}

func newJSONLines(w io.Writer) jsonLines { return jsonLines{Writer: bufio.NewWriterSize(w, 64<<10)} }

// write writes the events, one line each.
func (j *jsonLines) write(evs []event.Event) error {
	for i := range evs {
		b, err := evs[i].AppendJSON(j.buf[:0])
		if err != nil {
			return err
		}
		j.buf = append(b, '\n')
		if _, err := j.Write(j.buf); err != nil {
			return err
		}
	}
	return nil
}

// openEventsOutput opens events.file, cut to size when size >= 0. With no events.file configured
// it returns an output that discards.
func openEventsOutput(cfg *config.Config, size int64) (*eventsOutput, error) {
	if cfg.Events.File == "" {
		return &eventsOutput{}, nil
	}
	f, cur, err := collectors.OpenOutput(cfg.Events.File, size)
	if err != nil {
		return nil, fmt.Errorf("events file: %w", err)
	}
	o := &eventsOutput{f: f, size: cur}
	o.w = newJSONLines(countingWriter{f, &o.size})
	return o, nil
}

type countingWriter struct {
	f    *os.File
	size *int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	*c.size += int64(n)
	return n, err
}

// Write appends events.
func (o *eventsOutput) Write(evs []event.Event) error {
	if o.f == nil {
		return nil
	}
	if err := o.w.write(evs); err != nil {
		return fmt.Errorf("write events file: %w", err)
	}
	return nil
}

// Sync flushes to disk and returns the size, for the checkpoint.
func (o *eventsOutput) Sync() error {
	if o.f == nil {
		return nil
	}
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("write events file: %w", err)
	}
	return o.f.Sync()
}

// Size is the file's length after the last Sync.
func (o *eventsOutput) Size() int64 { return o.size }

// Close flushes and closes.
func (o *eventsOutput) Close() error {
	if o.f == nil {
		return nil
	}
	err := o.w.Flush()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	return err
}
