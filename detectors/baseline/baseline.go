// Package baseline is what detectors learn of normal: per person (and per peer group, keyed the same
// way) which values are familiar (workstations, hosts, external domains, devices), how much is usual
// per day (records viewed, bytes copied to USB), and at which hours someone works. Time comes from the
// events; state is bounded (golang-lru) and can be saved and restored with the detector state.
package baseline

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Day numbers calendar days in a zone (days since 1970-01-01 there), so that "a day" is the
// gemeente's day, not UTC's.
func Day(t time.Time, loc *time.Location) int32 {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DayStart is the time a day number begins in loc.
func DayStart(day int32, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	u := time.Unix(int64(day)*86400, 0).UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, loc)
}

// Familiar remembers, per key (a person, or a peer group), the values seen with them and on how many
// days: a workstation used on 12 days is this person's, one never used before is new to them.
type Familiar struct {
	keys      *lru.Cache[string, *known]
	maxValues int
	loc       *time.Location
}

// known is one key's history.
type known struct {
	First  int32           `json:"first"` // first day with any value
	Days   days            `json:"days"`  // days with any value
	Values map[string]*use `json:"values"`
}

// use is one value's history with a key.
type use struct {
	First int32 `json:"first,omitempty"` // the day the value was first seen with the key (0: before this was kept)
	Last  int32 `json:"last"`
	Days  days  `json:"days"`
}

// Familiarity is how familiar a value is to a key, before the observation that asked.
type Familiarity struct {
	// HistoryDays is on how many days the key was seen at all (with any value) before today.
	HistoryDays int
	// New is true when the value was never seen with the key.
	New bool
	// DaysUsed is on how many days before today the value was seen with the key.
	DaysUsed int
	// SinceLast is how many days ago the value was last seen before today (0 when New).
	SinceLast int
	// Since is the first day of the key's history.
	Since time.Time
}

// NewFamiliar keeps up to size keys (least recently seen go first) and up to maxValues values per
// key (the least recently used go first).
func NewFamiliar(size, maxValues int, loc *time.Location) *Familiar {
	c, _ := lru.New[string, *known](max(size, 1))
	return &Familiar{keys: c, maxValues: max(maxValues, 1), loc: loc}
}

// Peek says how familiar value is to key at t, without learning from it.
func (f *Familiar) Peek(key, value string, t time.Time) Familiarity {
	k, ok := f.keys.Peek(key)
	if !ok {
		return Familiarity{New: true}
	}
	return k.familiarity(value, Day(t, f.loc), f.loc)
}

// Observe says how familiar value is to key at t, then learns that it was seen.
func (f *Familiar) Observe(key, value string, t time.Time) Familiarity {
	today := Day(t, f.loc)
	k, ok := f.keys.Get(key)
	if !ok {
		k = &known{First: today, Values: map[string]*use{}}
		f.keys.Add(key, k)
	}
	fam := k.familiarity(value, today, f.loc)
	k.First = min(k.First, today)
	k.Days.add(today)
	k.learn(value, today, f.maxValues)
	return fam
}

func (k *known) familiarity(value string, today int32, loc *time.Location) Familiarity {
	fam := Familiarity{HistoryDays: k.Days.before(today), Since: DayStart(k.First, loc), New: true}
	if u, ok := k.Values[value]; ok {
		fam.New = false
		fam.DaysUsed = u.Days.before(today)
		fam.SinceLast = max(int(today-u.Last), 0)
	}
	return fam
}

// learn records value on today; a full key forgets its least recently used value.
func (k *known) learn(value string, today int32, maxValues int) {
	u, ok := k.Values[value]
	if !ok {
		if len(k.Values) >= maxValues {
			var oldest string
			var at int32 = 1<<31 - 1
			for v, u := range k.Values {
				if u.Last < at || u.Last == at && v < oldest {
					oldest, at = v, u.Last
				}
			}
			delete(k.Values, oldest)
		}
		u = &use{First: today, Last: today}
		k.Values[value] = u
	}
	u.Last = max(u.Last, today)
	u.Days.add(today)
}

// Novelty is how often a key takes up values new to it: on how many of the days before t (within
// WindowDays, the key's first day left out, when everything is new) it was first seen with a value,
// out of how many days it was seen at all. A person who sits at another flex desk every week has a
// high novelty; a new desk is their normal.
func (f *Familiar) Novelty(key string, t time.Time) (newDays, historyDays int) {
	k, ok := f.keys.Peek(key)
	if !ok {
		return 0, 0
	}
	today := Day(t, f.loc)
	var firsts days
	for _, u := range k.Values {
		if u.First > k.First && u.First < today && today-u.First < WindowDays {
			firsts.add(u.First)
		}
	}
	return firsts.before(today), k.Days.before(today)
}

// Len is the number of keys kept.
func (f *Familiar) Len() int { return f.keys.Len() }

// FamiliarState is a Familiar saved: key -> its history.
type FamiliarState map[string]*known

// Save returns the state.
func (f *Familiar) Save() FamiliarState { return save(f.keys) }

// Restore adds saved keys (a restart); the bounds still hold.
func (f *Familiar) Restore(s FamiliarState) {
	for k, v := range s {
		if v != nil && v.Values == nil {
			v.Values = map[string]*use{}
		}
		s[k] = v
	}
	restore(f.keys, s)
}

// save is the keys of a cache and their values, least recently used first in the cache's order.
func save[V any](c *lru.Cache[string, *V]) map[string]*V {
	s := make(map[string]*V, c.Len())
	for _, k := range c.Keys() {
		if v, ok := c.Peek(k); ok {
			s[k] = v
		}
	}
	return s
}

// restore adds saved keys to a cache, leaving out empty ones.
func restore[V any](c *lru.Cache[string, *V], s map[string]*V) {
	for k, v := range s {
		if v != nil {
			c.Add(k, v)
		}
	}
}
