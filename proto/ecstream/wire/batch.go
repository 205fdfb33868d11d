package wire

import "encoding/binary"

// AppendBatchHead appends tag and count, the start of a Batch payload.
// Use it after StartFrame(b, Batch); append the messages with AppendMessage
// and finish with EndFrame.
func AppendBatchHead(b []byte, tag, count uint32) []byte {
	b = binary.BigEndian.AppendUint32(b, tag)
	return binary.BigEndian.AppendUint32(b, count)
}

// MessageSize is the encoded size of one message of a Batch payload.
func MessageSize(sender string, rcpts []string, body []byte) int {
	n := 2 + len(sender) + 2 + 4 + len(body)
	for _, r := range rcpts {
		n += 2 + len(r)
	}
	return n
}

// AppendMessage appends one message of a Batch payload. It returns false
// (and b unchanged) when an address or the recipient count does not fit
// its uint16 length field.
func AppendMessage(b []byte, sender string, rcpts []string, body []byte) ([]byte, bool) {
	if len(sender) > MaxAddressLen || len(rcpts) > MaxRecipients || uint64(len(body)) > 0xffffffff {
		return b, false
	}
	for _, r := range rcpts {
		if len(r) > MaxAddressLen {
			return b, false
		}
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(sender)))
	b = append(b, sender...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rcpts)))
	for _, r := range rcpts {
		b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
		b = append(b, r...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...), true
}

// RawMessage is one decoded message; every slice aliases the payload.
type RawMessage struct {
	Sender []byte
	NRcpt  int
	Rcpts  []byte // NRcpt × (uint16 length, address); walk it with NextRcpt
	Body   []byte
}

// NextRcpt splits the first recipient off an encoded recipient list that
// BatchReader.Next has already validated.
func NextRcpt(list []byte) (rcpt, rest []byte) {
	n := int(binary.BigEndian.Uint16(list))
	return list[2 : 2+n], list[2+n:]
}

// BatchReader walks a complete Batch payload without allocating.
type BatchReader struct {
	Tag, Count uint32
	p          []byte
	left       uint32
}

// Reset starts reading payload p; it fails if p is shorter than its head or
// cannot hold Count messages.
func (r *BatchReader) Reset(p []byte) error {
	if len(p) < BatchHeadLen {
		return ErrMalformed
	}
	r.Tag, r.Count = binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])
	r.p, r.left = p[BatchHeadLen:], r.Count
	if uint64(r.Count)*minMessageLen > uint64(len(r.p)) {
		return ErrMalformed
	}
	return nil
}

// Next decodes the next message. ok is false after Count messages; err is
// set when the payload is malformed (including trailing bytes after the
// last message).
func (r *BatchReader) Next() (m RawMessage, ok bool, err error) {
	if r.left == 0 {
		if len(r.p) != 0 {
			return m, false, ErrMalformed
		}
		return m, false, nil
	}
	p := r.p
	sl, p, good := take16(p)
	if !good || len(p) < sl+2 {
		return m, false, ErrMalformed
	}
	m.Sender, p = p[:sl], p[sl:]
	m.NRcpt, p = int(binary.BigEndian.Uint16(p)), p[2:]
	start := p
	for range m.NRcpt {
		var n int
		if n, p, good = take16(p); !good || len(p) < n {
			return RawMessage{}, false, ErrMalformed
		}
		p = p[n:]
	}
	m.Rcpts = start[:len(start)-len(p)]
	if len(p) < 4 {
		return RawMessage{}, false, ErrMalformed
	}
	bl := binary.BigEndian.Uint32(p)
	p = p[4:]
	if uint64(bl) > uint64(len(p)) {
		return RawMessage{}, false, ErrMalformed
	}
	m.Body, r.p = p[:bl], p[bl:]
	r.left--
	return m, true, nil
}

func take16(p []byte) (int, []byte, bool) {
	if len(p) < 2 {
		return 0, p, false
	}
	return int(binary.BigEndian.Uint16(p)), p[2:], true
}

// AppendReplyHead appends tag and count, the start of a Reply payload.
func AppendReplyHead(b []byte, tag, count uint32) []byte {
	return AppendBatchHead(b, tag, count)
}

// AppendReplyItem appends one message's reply; text is cut at MaxReplyText.
func AppendReplyItem(b []byte, status uint8, code uint16, text string) []byte {
	if len(text) > MaxReplyText {
		text = text[:MaxReplyText]
	}
	b = append(b, status)
	b = binary.BigEndian.AppendUint16(b, code)
	b = binary.BigEndian.AppendUint16(b, uint16(len(text)))
	return append(b, text...)
}

// ReplyItem is one decoded reply; Text aliases the payload.
type ReplyItem struct {
	Status uint8
	Code   uint16
	Text   []byte
}

// ReplyReader walks a complete Reply payload without allocating.
type ReplyReader struct {
	Tag, Count uint32
	p          []byte
	left       uint32
}

// Reset starts reading payload p.
func (r *ReplyReader) Reset(p []byte) error {
	if len(p) < BatchHeadLen {
		return ErrMalformed
	}
	r.Tag, r.Count = binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])
	r.p, r.left = p[BatchHeadLen:], r.Count
	if uint64(r.Count)*replyItemFixed > uint64(len(r.p)) {
		return ErrMalformed
	}
	return nil
}

// Next decodes the next reply item, like BatchReader.Next.
func (r *ReplyReader) Next() (it ReplyItem, ok bool, err error) {
	if r.left == 0 {
		if len(r.p) != 0 {
			return it, false, ErrMalformed
		}
		return it, false, nil
	}
	p := r.p
	if len(p) < replyItemFixed {
		return it, false, ErrMalformed
	}
	it.Status, it.Code = p[0], binary.BigEndian.Uint16(p[1:])
	n := int(binary.BigEndian.Uint16(p[3:]))
	p = p[replyItemFixed:]
	if len(p) < n || it.Status > StatusPermFail {
		return ReplyItem{}, false, ErrMalformed
	}
	it.Text, r.p = p[:n], p[n:]
	r.left--
	return it, true, nil
}
