//go:build linux

package ring

// Kernel ABI of io_uring (include/uapi/linux/io_uring.h). The numbers are
// fixed by the kernel; names keep the kernel's spelling so they can be
// grepped against the header and the liburing man pages.

// Setup flags (io_uring_params.flags).
const (
	SetupIOPoll        uint32 = 1 << 0
	SetupSQPoll        uint32 = 1 << 1
	SetupSQAff         uint32 = 1 << 2
	SetupCQSize        uint32 = 1 << 3
	SetupClamp         uint32 = 1 << 4
	SetupAttachWQ      uint32 = 1 << 5
	SetupRDisabled     uint32 = 1 << 6
	SetupSubmitAll     uint32 = 1 << 7
	SetupCoopTaskrun   uint32 = 1 << 8
	SetupTaskrunFlag   uint32 = 1 << 9
	SetupSQE128        uint32 = 1 << 10
	SetupCQE32         uint32 = 1 << 11
	SetupSingleIssuer  uint32 = 1 << 12
	SetupDeferTaskrun  uint32 = 1 << 13
	SetupNoMmap        uint32 = 1 << 14
	SetupRegisteredFd  uint32 = 1 << 15
	SetupNoSQArray     uint32 = 1 << 16
	SetupHybridIOPoll  uint32 = 1 << 17
	setupFlagNameCount        = 18
)

// Feature bits reported by the kernel (io_uring_params.features).
const (
	FeatSingleMmap     uint32 = 1 << 0
	FeatNoDrop         uint32 = 1 << 1
	FeatSubmitStable   uint32 = 1 << 2
	FeatRWCurPos       uint32 = 1 << 3
	FeatCurPersonality uint32 = 1 << 4
	FeatFastPoll       uint32 = 1 << 5
	FeatPoll32Bits     uint32 = 1 << 6
	FeatSQPollNonfixed uint32 = 1 << 7
	FeatExtArg         uint32 = 1 << 8
	FeatNativeWorkers  uint32 = 1 << 9
	FeatRsrcTags       uint32 = 1 << 10
	FeatCQESkip        uint32 = 1 << 11
	FeatLinkedFile     uint32 = 1 << 12
	FeatRegRegRing     uint32 = 1 << 13
	FeatRecvSendBundle uint32 = 1 << 14
	FeatMinTimeout     uint32 = 1 << 15
	FeatRWAttr         uint32 = 1 << 16
	FeatNoIOWait       uint32 = 1 << 17
)

// Opcodes (io_uring_sqe.opcode).
const (
	OpNop           uint8 = 0
	OpReadv         uint8 = 1
	OpWritev        uint8 = 2
	OpFsync         uint8 = 3
	OpPollAdd       uint8 = 6
	OpPollRemove    uint8 = 7
	OpSendmsg       uint8 = 9
	OpRecvmsg       uint8 = 10
	OpTimeout       uint8 = 11
	OpTimeoutRem    uint8 = 12
	OpAccept        uint8 = 13
	OpAsyncCancel   uint8 = 14
	OpLinkTimeout   uint8 = 15
	OpConnect       uint8 = 16
	OpClose         uint8 = 19
	OpRead          uint8 = 22
	OpWrite         uint8 = 23
	OpSend          uint8 = 26
	OpRecv          uint8 = 27
	OpShutdown      uint8 = 34
	OpMsgRing       uint8 = 40
	OpSocket        uint8 = 45
	OpSendZC        uint8 = 47
	OpReadMultishot uint8 = 49
	OpBind          uint8 = 56
	OpListen        uint8 = 57
)

// SQE flags (io_uring_sqe.flags), for SQE.SetFlags.
const (
	SqeFixedFile      uint8 = 1 << 0
	SqeIODrain        uint8 = 1 << 1
	SqeIOLink         uint8 = 1 << 2
	SqeIOHardlink     uint8 = 1 << 3
	SqeAsync          uint8 = 1 << 4
	SqeBufferSelect   uint8 = 1 << 5
	SqeCQESkipSuccess uint8 = 1 << 6
)

// CQE flags (io_uring_cqe.flags).
const (
	CQEFBuffer       uint32 = 1 << 0
	CQEFMore         uint32 = 1 << 1
	CQEFSockNonempty uint32 = 1 << 2
	CQEFNotif        uint32 = 1 << 3
	CQEFBufMore      uint32 = 1 << 4
	CQEBufferShift          = 16
)

// io_uring_enter flags.
const (
	EnterGetEvents      uint32 = 1 << 0
	EnterSQWakeup       uint32 = 1 << 1
	EnterSQWait         uint32 = 1 << 2
	EnterExtArg         uint32 = 1 << 3
	EnterRegisteredRing uint32 = 1 << 4
)

// SQ ring flags (written by the kernel).
const (
	SQNeedWakeup uint32 = 1 << 0
	SQCQOverflow uint32 = 1 << 1
	SQTaskrun    uint32 = 1 << 2
)

// Per-opcode flags.
const (
	// accept, in ioprio
	AcceptMultishot uint16 = 1 << 0
	// send/recv, in ioprio
	RecvSendPollFirst uint16 = 1 << 0
	RecvMultishot     uint16 = 1 << 1
	RecvSendBundle    uint16 = 1 << 4
	// timeout_flags
	TimeoutAbs          uint32 = 1 << 0
	TimeoutUpdate       uint32 = 1 << 1
	TimeoutBoottime     uint32 = 1 << 2
	TimeoutRealtime     uint32 = 1 << 3
	TimeoutETimeSuccess uint32 = 1 << 5
	TimeoutMultishot    uint32 = 1 << 6
	// cancel_flags
	CancelAll      uint32 = 1 << 0
	CancelFd       uint32 = 1 << 1
	CancelAny      uint32 = 1 << 2
	CancelFdFixed  uint32 = 1 << 3
	CancelUserdata uint32 = 1 << 4
	CancelOp       uint32 = 1 << 5
	// msg_ring_flags
	MsgRingCQESkip   uint32 = 1 << 0
	MsgRingFlagsPass uint32 = 1 << 1
	// poll_add: len
	PollAddMulti uint32 = 1 << 0
	// fsync_flags
	FsyncDatasync uint32 = 1 << 0
)

// io_uring_register opcodes.
const (
	regProbe         = 8
	regRingFds       = 20
	regUnregRingFds  = 21
	regPbufRing      = 22
	regUnregPbufRing = 23
)

// mmap offsets.
const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// params is struct io_uring_params (120 bytes).
type params struct {
	sqEntries    uint32
	cqEntries    uint32
	flags        uint32
	sqThreadCPU  uint32
	sqThreadIdle uint32
	features     uint32
	wqFd         uint32
	resv         [3]uint32
	sqOff        sqringOffsets
	cqOff        cqringOffsets
}

// geteventsArg is struct io_uring_getevents_arg (EXT_ARG).
type geteventsArg struct {
	sigmask     uint64
	sigmaskSz   uint32
	minWaitUsec uint32
	ts          uint64
}

// bufReg is struct io_uring_buf_reg.
type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// bufEntry is struct io_uring_buf; the ring tail overlays resv of entry 0.
type bufEntry struct {
	addr uint64
	len  uint32
	bid  uint16
	resv uint16
}

// rsrcUpdate is struct io_uring_rsrc_update (ring fd registration).
type rsrcUpdate struct {
	offset uint32
	resv   uint32
	data   uint64
}
