package register

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
)

// The hash chain (the ledger table): every evidence item, state change, assessment answer and
// evidence read appends one ledger record whose hash covers the previous record's hash, its own
// sequence number, kind and the canonical bytes of the row it stands for. Changing, removing or
// reordering any of them breaks the chain from that point on, which Verify reports.

// The kinds of chained records, and the table each refers to.
const (
	kindEvidence = "evidence"
	kindHistory  = "history"
	kindAnswer   = "answer"
	kindAccess   = "access"
)

// genesis is the "previous hash" of the first record.
var genesis = make([]byte, sha256.Size)

// canon builds the canonical bytes of a record: length-prefixed fields, so no two different
// records encode alike.
type canon []byte

func (c canon) str(s string) canon {
	c = binary.AppendUvarint(c, uint64(len(s)))
	return append(c, s...)
}

func (c canon) bytes(b []byte) canon {
	c = binary.AppendUvarint(c, uint64(len(b)))
	return append(c, b...)
}

func (c canon) int(n int64) canon { return binary.BigEndian.AppendUint64(c, uint64(n)) }

// chainHash is the hash of ledger record seq.
func chainHash(prev []byte, seq int64, kind string, ref int64, body canon) []byte {
	h := sha256.New()
	h.Write(prev)
	var hdr canon
	hdr = hdr.int(seq).str(kind).int(ref)
	h.Write(hdr)
	h.Write(body)
	return h.Sum(nil)
}

// chain appends ledger records inside one write transaction.
type chain struct {
	tx   *sql.Tx
	seq  int64
	head []byte
	ins  *sql.Stmt
}

// openChain reads the head of the ledger; the transaction must hold the write lock (BEGIN IMMEDIATE)
// so no other writer can append in between.
func openChain(ctx context.Context, tx *sql.Tx) (*chain, error) {
	c := &chain{tx: tx, head: genesis}
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`).Scan(&c.seq, &c.head)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read chain head: %w", err)
	}
	if c.ins, err = tx.PrepareContext(ctx, `INSERT INTO ledger (seq, kind, ref, prev, hash) VALUES (?, ?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *chain) append(ctx context.Context, kind string, ref int64, body canon) error {
	seq := c.seq + 1
	h := chainHash(c.head, seq, kind, ref, body)
	if _, err := c.ins.ExecContext(ctx, seq, kind, ref, c.head, h); err != nil {
		return fmt.Errorf("append to chain: %w", err)
	}
	c.seq, c.head = seq, h
	return nil
}

func (c *chain) close() { c.ins.Close() }

// The canonical bytes of each kind of row. Verify recomputes them from the stored rows.

func evidenceCanon(incident string, seq int64, kind, input, source string, offset, line, t int64, sum []byte, size, registered int64) canon {
	var c canon
	return c.str(incident).int(seq).str(kind).str(input).str(source).int(offset).int(line).int(t).bytes(sum).int(size).int(registered)
}

func historyCanon(incident string, at int64, by, from, to, reason string, created *creation) canon {
	var c canon
	c = c.str(incident).int(at).str(by).str(from).str(to).str(reason)
	if created != nil {
		c = c.str(created.detector).str(created.rule).str(created.user).str(created.pattern).int(created.discovered).int(created.deadline)
	}
	return c
}

// creation is what an incident's first history record also fixes: the fields that never change.
type creation struct {
	detector, rule, user, pattern string
	discovered, deadline          int64
}

func answerCanon(incident string, question, value, by string, at int64) canon {
	var c canon
	return c.str(incident).str(question).str(value).str(by).int(at)
}

func accessCanon(incident string, at int64, by, action string) canon {
	var c canon
	return c.str(incident).int(at).str(by).str(action)
}
