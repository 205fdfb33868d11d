//go:build linux

package ring

// CQE is struct io_uring_cqe (16 bytes). ForEachCQE hands out pointers into
// the shared ring; copy what you need before returning.
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// More reports that the multishot request is still armed (F_MORE). A final
// CQE without it means: re-arm or tear down.
func (c CQE) More() bool { return c.Flags&CQEFMore != 0 }

// HasBuffer reports that a provided buffer was consumed (F_BUFFER).
func (c CQE) HasBuffer() bool { return c.Flags&CQEFBuffer != 0 }

// BufferID is the provided-buffer id; valid only when HasBuffer.
func (c CQE) BufferID() uint16 { return uint16(c.Flags >> CQEBufferShift) }

// SockNonEmpty reports that more data was queued on the socket after this
// receive (F_SOCK_NONEMPTY).
func (c CQE) SockNonEmpty() bool { return c.Flags&CQEFSockNonempty != 0 }

// User data layout, most significant bit first:
//
//	63..56  op    (8 bits, the caller's operation code)
//	55..32  gen   (24 bits, slot generation; wraps at 1<<24)
//	31..0   slot  (32 bits, index into the caller's table)
//
// A completion whose gen does not match the slot's current generation
// belongs to a closed, reused slot and must be dropped.
const (
	UserDataGenBits = 24
	UserDataGenMask = 1<<UserDataGenBits - 1
)

// PackUserData builds user data; gen is truncated to 24 bits.
func PackUserData(op uint8, slot uint32, gen uint32) uint64 {
	return uint64(op)<<56 | uint64(gen&UserDataGenMask)<<32 | uint64(slot)
}

// UnpackUserData splits user data built by PackUserData.
func UnpackUserData(u uint64) (op uint8, slot, gen uint32) {
	return uint8(u >> 56), uint32(u), uint32(u>>32) & UserDataGenMask
}
