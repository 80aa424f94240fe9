package baseline

import "math/bits"

// WindowDays is how many days back a baseline remembers on which days something happened.
const WindowDays = 64

// days is the set of days, within the WindowDays up to the latest one seen, on which something
// happened. Days may come in any order (a replay reads one log after another, each over the same
// days): a day is counted once however often and whenever it is seen.
type days struct {
	Latest int32  `json:"latest"`
	Bits   uint64 `json:"bits"` // bit day % WindowDays
}

// add records day; a day older than the window is let go.
func (w *days) add(day int32) {
	switch {
	case w.Bits == 0 || day-w.Latest >= WindowDays:
		w.Bits, w.Latest = 0, day
	case day > w.Latest:
		for d := w.Latest + 1; d <= day; d++ {
			w.Bits &^= 1 << uint(mod(d))
		}
		w.Latest = day
	case w.Latest-day >= WindowDays:
		return
	}
	w.Bits |= 1 << uint(mod(day))
}

// has says whether day was recorded (within the window).
func (w *days) has(day int32) bool {
	return w.Bits != 0 && day <= w.Latest && w.Latest-day < WindowDays && w.Bits&(1<<uint(mod(day))) != 0
}

// before counts the recorded days before day (within the window ending at the latest day).
func (w *days) before(day int32) int {
	n := bits.OnesCount64(w.Bits)
	for d := day; d <= w.Latest && w.Latest-d < WindowDays; d++ {
		if w.Bits&(1<<uint(mod(d))) != 0 {
			n--
		}
	}
	return n
}

func mod(d int32) int32 { return (d%WindowDays + WindowDays) % WindowDays }
