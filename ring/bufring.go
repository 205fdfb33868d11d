//go:build linux

package ring

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BufRing is a provided-buffer ring (IORING_REGISTER_PBUF_RING): count
// buffers of size bytes in group bgid that the kernel picks for
// PrepRecvMultishot/PrepRecvSelect. The ring and the buffers are mmapped
// anonymous memory, so the GC neither moves nor frees them. Owner thread only.
type BufRing struct {
	r       *Ring
	bgid    uint16
	mask    uint16
	size    int
	ents    []bufEntry
	ringMem []byte
	bufs    []byte
	tail    uint16 // local tail: staged entries not yet published
}

// NewBufRing registers count (a power of two, <= 32768) buffers of size
// bytes as group bgid, all initially available to the kernel.
func (r *Ring) NewBufRing(bgid uint16, count uint16, size int) (*BufRing, error) {
	if count == 0 || count&(count-1) != 0 || count > 1<<15 {
		return nil, fmt.Errorf("ring: buffer ring count %d must be a power of two <= 32768", count)
	}
	if size <= 0 || size > 1<<31-1 {
		return nil, fmt.Errorf("ring: buffer size %d out of range", size)
	}
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_ANONYMOUS | unix.MAP_PRIVATE | unix.MAP_POPULATE
	ringMem, err := unix.Mmap(-1, 0, int(count)*int(unsafe.Sizeof(bufEntry{})), prot, flags)
	if err != nil {
		return nil, fmt.Errorf("ring: mmap buffer ring: %w", err)
	}
	bufs, err := unix.Mmap(-1, 0, int(count)*size, prot, flags)
	if err != nil {
		unix.Munmap(ringMem)
		return nil, fmt.Errorf("ring: mmap %d buffers of %d bytes: %w", count, size, err)
	}
	b := &BufRing{r: r, bgid: bgid, mask: count - 1, size: size, ringMem: ringMem, bufs: bufs,
		ents: unsafe.Slice((*bufEntry)(unsafe.Pointer(&ringMem[0])), count)}
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&ringMem[0]))), ringEntries: uint32(count), bgid: bgid}
	if _, err := r.register(regPbufRing, unsafe.Pointer(&reg), 1); err != nil {
		b.unmap()
		return nil, fmt.Errorf("ring: register buffer ring %d: %w (needs Linux 5.19+)", bgid, err)
	}
	for i := uint16(0); i < count; i++ {
		b.Recycle(i)
	}
	b.Publish()
	return b, nil
}

// Group is the buffer group id to pass to PrepRecvMultishot.
func (b *BufRing) Group() uint16 { return b.bgid }

// Size is the length of every buffer.
func (b *BufRing) Size() int { return b.size }

// Buf returns the first n bytes of buffer id (n = CQE.Res). The slice
// aliases ring memory: valid until Recycle(id) is published.
func (b *BufRing) Buf(id uint16, n int) []byte {
	off := int(id) * b.size
	return b.bufs[off : off+n : off+b.size]
}

// Recycle stages buffer id for reuse by the kernel; it becomes visible at
// the next Publish. Recycle each id at most once per time the kernel hands
// it out, and never more than count ids between publishes.
func (b *BufRing) Recycle(id uint16) {
	e := &b.ents[b.tail&b.mask]
	e.addr = uint64(uintptr(unsafe.Pointer(&b.bufs[int(id)*b.size])))
	e.len = uint32(b.size)
	e.bid = id
	b.tail++
}

// Publish makes every staged buffer visible with one tail store. Go has no
// 16-bit atomics, so the tail (resv of entry 0, bytes 14..15) is stored with
// entry 0's bid (bytes 12..13, written only by us) as one 32-bit atomic
// store; little-endian layout.
func (b *BufRing) Publish() {
	w := (*uint32)(unsafe.Pointer(&b.ringMem[12]))
	atomic.StoreUint32(w, uint32(b.tail)<<16|uint32(b.ents[0].bid))
}

// Close unregisters the group and unmaps its memory. Cancel or finish every
// request using the group first; call on the owner thread.
func (b *BufRing) Close() error {
	if b.bufs == nil {
		return nil
	}
	reg := bufReg{bgid: b.bgid}
	_, err := b.r.register(regUnregPbufRing, unsafe.Pointer(&reg), 1)
	b.unmap()
	if err != nil {
		return fmt.Errorf("ring: unregister buffer ring %d: %w", b.bgid, err)
	}
	return nil
}

func (b *BufRing) unmap() {
	unix.Munmap(b.ringMem)
	unix.Munmap(b.bufs)
	b.ringMem, b.bufs, b.ents = nil, nil, nil
}
