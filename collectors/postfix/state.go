package postfix

import (
	"unsafe"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// message is what the lines before a delivery said about one queue id.
type message struct {
	id        string // the queue id, shared with the LRU key
	client    client
	saslUser  string
	uid       string // pickup: local submitter's uid
	from      string
	hasFrom   bool // from= seen (the null sender <> is a real value)
	size      int64
	nrcpt     int
	messageID string
	subject   string

	// origin is the message this queue id was re-queued from, by a content filter (amavis
	// "queued as") or local forwarding ("forwarded as"); nil for an original. An origin never has
	// an origin itself (isOrigin keeps the chain one step long), so memory stays bounded.
	origin   *message
	isOrigin bool
	notice   bool // a bounce/delay/success notice Postfix wrote itself
}

// The marks put into email.hop of deliveries that are a hop inside the mail system rather than
// the mail reaching its recipient, and of mail Postfix itself wrote.
const (
	hopContentFilter = "content_filter" // delivery to a content filter that re-queued the mail
	hopForwarded     = "forwarded"      // local delivery that forwarded the mail under a new queue id
	hopNotification  = "notification"   // delivery of a bounce/delay notice Postfix generated
)

// view is a message as a delivery event sees it: the original's client, user, size, sender and
// message-id when the queue id was re-queued, else its own.
type view struct {
	client    client
	saslUser  string
	uid       string
	from      string
	size      int64
	nrcpt     int
	messageID string
	subject   string
}

func (m *message) view() view {
	own := view{m.client, m.saslUser, m.uid, m.from, m.size, m.nrcpt, m.messageID, m.subject}
	o := m.origin
	if o == nil {
		return own
	}
	v := view{client: o.client, saslUser: o.saslUser, uid: o.uid, from: own.from, size: own.size,
		nrcpt: own.nrcpt, messageID: own.messageID, subject: own.subject}
	if o.hasFrom {
		v.from = o.from
	}
	if o.size > 0 {
		v.size = o.size
	}
	if o.nrcpt > 0 {
		v.nrcpt = o.nrcpt
	}
	if o.messageID != "" {
		v.messageID = o.messageID
	}
	if o.subject != "" {
		v.subject = o.subject
	}
	return v
}

// Stats counts what the parser's bounded state did.
type Stats struct {
	Pending int    // queue ids held now
	Evicted uint64 // queue ids dropped, oldest first, because MaxPending was reached
	Removed uint64 // queue ids freed by "QID: removed"
	Linked  uint64 // queue ids joined to the message they were re-queued from
}

// store holds messages by queue id, least recently used dropped first.
type store struct {
	lru   *simplelru.LRU[string, *message]
	stats Stats
}

func newStore(size int) (*store, error) {
	l, err := simplelru.NewLRU[string, *message](size, nil)
	if err != nil {
		return nil, err
	}
	return &store{lru: l}, nil
}

// lookupKey views id as a string without copying, for lookups only: Get and Remove do not keep
// the key they are given (Add does, and gets a copy).
func lookupKey(id []byte) string {
	return unsafe.String(unsafe.SliceData(id), len(id))
}

// get returns the message of id, or nil.
func (s *store) get(id []byte) *message {
	m, _ := s.lru.Get(lookupKey(id))
	return m
}

// obtain returns the message of id, creating it when new.
func (s *store) obtain(id []byte) *message {
	if m, ok := s.lru.Get(lookupKey(id)); ok {
		return m
	}
	m := &message{id: string(id)}
	if s.lru.Add(m.id, m) {
		s.stats.Evicted++
	}
	return m
}

func (s *store) remove(id []byte) {
	if s.lru.Remove(lookupKey(id)) {
		s.stats.Removed++
	}
}

// link records that newID carries the same mail as m (or m's own origin).
func (s *store) link(m *message, newID []byte) {
	root := m
	if m.origin != nil {
		root = m.origin
	}
	n := s.obtain(newID)
	if n == root || n.isOrigin || n.origin != nil {
		return // a loop or an id already joined: keep the first link
	}
	root.isOrigin = true
	n.origin = root
	s.stats.Linked++
}

func (s *store) clear() { s.lru.Purge() }
