package spool

// Reclaim while running. A segment whose records are all acknowledged is
// deleted once sealed (dropAcked, seal). A writer's active segment is not
// sealed until it fills, so under a load the hand-off keeps up with, the
// active segment would keep growing to SegmentSize with nothing live in
// it. Instead, once every record committed to it so far has been
// acknowledged and it holds at least reclaimMin bytes, the writer starts
// a new segment at its next batch and the drained one is deleted: spool
// bytes on disk stay near the live records plus reclaimMin per writer.

// reclaimMin is the smallest drained segment worth replacing (creating a
// segment costs two fsyncs, off the worker's thread).
const reclaimMin = 1 << 20

func (w *Writer) reclaimable() bool {
	return w.seg.drained.Load() && w.off >= min(reclaimMin, w.s.opt.SegmentSize/4)
}
