package engine

// wheel is a per-worker hashed timer wheel with O(1) arm and cancel. Entries
// are intrusive (the conn carries its links), so arming allocates nothing.
//
// Deadlines move on every bit of session progress, so the wheel is lazy: a
// conn sits in the slot of the deadline it had when armed, and when that slot
// fires with a later deadline it is simply re-filed. Deadlines beyond the
// wheel's span are filed at the far end and re-filed on the way.
const (
	wheelTick  = 10 * 1e6 // ns per slot
	wheelSlots = 512      // span: 5.12 s
)

type timerLink struct {
	next, prev *conn
	slot       int32 // -1 when not filed
	at         int64 // deadline (ns) of the slot it is filed in
}

type wheel struct {
	slots [wheelSlots]*conn
	cur   int64 // tick last expired
	n     int   // entries filed
}

func (w *wheel) init(now int64) { w.cur = now / wheelTick }

// arm files c for deadline at (ns, worker clock). If c is filed for an
// earlier slot already it stays there and is re-filed when that slot fires.
func (w *wheel) arm(c *conn, at int64) {
	t := &c.tl
	if t.slot >= 0 {
		if t.at <= at {
			return
		}
		w.cancel(c)
	}
	tick := (at + wheelTick - 1) / wheelTick
	if tick <= w.cur {
		tick = w.cur + 1
	}
	if tick > w.cur+wheelSlots-1 {
		tick = w.cur + wheelSlots - 1
	}
	s := int32(tick % wheelSlots)
	t.slot, t.at = s, tick*wheelTick
	t.prev, t.next = nil, w.slots[s]
	if t.next != nil {
		t.next.tl.prev = c
	}
	w.slots[s] = c
	w.n++
}

// cancel unfiles c; a no-op when it is not filed.
func (w *wheel) cancel(c *conn) {
	t := &c.tl
	if t.slot < 0 {
		return
	}
	if t.prev != nil {
		t.prev.tl.next = t.next
	} else {
		w.slots[t.slot] = t.next
	}
	if t.next != nil {
		t.next.tl.prev = t.prev
	}
	t.next, t.prev, t.slot = nil, nil, -1
	w.n--
}

// expire fires every slot up to now. fire is called with each conn whose
// slot passed; it re-arms or closes it.
func (w *wheel) expire(now int64, fire func(c *conn)) {
	end := now / wheelTick
	for w.cur < end {
		w.cur++
		if w.n == 0 {
			w.cur = end
			return
		}
		s := w.cur % wheelSlots
		for c := w.slots[s]; c != nil; c = w.slots[s] {
			w.cancel(c)
			fire(c)
		}
	}
}

// next is how long the loop may sleep before a slot is due: -1 when the
// wheel is empty. It scans at most one revolution.
func (w *wheel) next(now int64) int64 {
	if w.n == 0 {
		return -1
	}
	for i := int64(1); i <= wheelSlots; i++ {
		if w.slots[(w.cur+i)%wheelSlots] != nil {
			d := (w.cur+i)*wheelTick - now
			if d < 0 {
				d = 0
			}
			return d
		}
	}
	return 0
}
