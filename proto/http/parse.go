package http

import "bytes"

// Limits on a request head. A head that breaks them is answered 431 (414
// for the request line) and the connection closes.
const (
	maxHead    = 16 << 10 // request line + headers + blank line
	maxLine    = 8 << 10  // one line
	maxHeaders = 100      // header fields
)

// method is the request method, reduced to the ones the router knows.
type method uint8

const (
	mOther method = iota
	mGET
	mHEAD
	mPOST
	mPUT
	mDELETE
)

// request is what the router and the body reader need from a head. Fields
// that point into the input (path, auth) are valid only during Feed.
type request struct {
	method    method
	path      []byte
	minor     int   // HTTP/1.minor
	clen      int64 // -1: no Content-Length
	chunked   bool
	close     bool // the connection closes after this request
	closeTok  bool // Connection: close
	keepAlive bool // Connection: keep-alive
	expect    bool // Expect: 100-continue
	hosts     int
	auth      []byte
	mailFrom  bool // X-Mail-From was present
}

// herr is a request error: the status to answer and why, as static text.
type herr struct {
	code int
	why  string
}

// scanHead looks for the end of the head in in, starting at the line that
// begins at *from (lines before it were checked by an earlier call). It
// returns the length of the head including its blank line, 0 if more input
// is needed, or an error for an oversized head.
func scanHead(in []byte, from *int) (int, *herr) {
	i := *from
	for {
		j := bytes.IndexByte(in[i:], '\n')
		if j < 0 {
			*from = i
			if len(in)-i > maxLine+1 { // +1: a CR whose LF has not come yet
				return 0, lineTooLong(i)
			}
			if len(in) > maxHead {
				return 0, errHeadTooBig
			}
			return 0, nil
		}
		line := j
		if j > 0 && in[i+j-1] == '\r' {
			line--
		}
		if line > maxLine {
			return 0, lineTooLong(i)
		}
		i += j + 1
		if i > maxHead {
			return 0, errHeadTooBig
		}
		if line == 0 {
			*from = 0
			return i, nil
		}
	}
}

// lineTooLong picks the error for an over-long line. Every header-side
// violation shares one error so the answer does not depend on where reads
// happened to split the input.
func lineTooLong(start int) *herr {
	if start == 0 {
		return errURITooLong
	}
	return errHeadTooBig
}

var (
	errHeadTooBig   = &herr{431, "request header fields too large (limits: 8 KiB a line, 16 KiB in all)"}
	errURITooLong   = &herr{414, "request line too long (limit 8 KiB)"}
	errBadReqLine   = &herr{400, "malformed request line"}
	errBadVersion   = &herr{505, "only HTTP/1.0 and HTTP/1.1 are supported"}
	errBadHeader    = &herr{400, "malformed header field"}
	errFolded       = &herr{400, "obsolete header line folding is not accepted"}
	errTooMany      = &herr{431, "too many header fields (limit 100)"}
	errBadLength    = &herr{400, "invalid Content-Length"}
	errBothLengths  = &herr{400, "both Transfer-Encoding and Content-Length given"}
	errTE10         = &herr{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"}
	errTEUnknown    = &herr{501, "only the chunked transfer coding is supported"}
	errNoHost       = &herr{400, "missing or repeated Host header"}
	errExpect       = &herr{417, "only Expect: 100-continue is supported"}
	errChunkedOff   = &herr{411, "chunked request bodies are disabled on this listener (Disable_Chunked); send Content-Length"}
	errTooLarge     = &herr{413, "request body exceeds Max_Request_Size"}
	errBadChunk     = &herr{400, "malformed chunked body"}
	errTrailerLarge = &herr{431, "chunked trailer too large"}
)

// parseHead parses a complete head (as found by scanHead) into r, copying
// the envelope headers into env. It does not allocate once env has grown.
func parseHead(head []byte, r *request, env *envelope) *herr {
	*r = request{clen: -1}
	line, rest := nextLine(head)
	if e := parseRequestLine(line, r); e != nil {
		return e
	}
	n := 0
	for {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break
		}
		if n++; n > maxHeaders {
			return errTooMany
		}
		if line[0] == ' ' || line[0] == '\t' {
			return errFolded
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return errBadHeader
		}
		val := trimOWS(line[colon+1:])
		if !validValue(val) {
			return errBadHeader
		}
		if e := r.header(line[:colon], val, env); e != nil {
			return e
		}
	}
	return r.finish()
}

// nextLine splits off one line, without its CRLF or LF.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, rest
}

func parseRequestLine(line []byte, r *request) *herr {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return errBadReqLine
	}
	meth, rest := line[:sp1], line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 || !isToken(meth) {
		return errBadReqLine
	}
	target, vers := rest[:sp2], rest[sp2+1:]
	r.method = methodOf(meth)
	if len(vers) != 8 || string(vers[:5]) != "HTTP/" || vers[6] != '.' ||
		!isDigit(vers[5]) || !isDigit(vers[7]) {
		return errBadReqLine
	}
	if vers[5] != '1' || vers[7] > '1' {
		return errBadVersion
	}
	r.minor = int(vers[7] - '0')
	r.close = r.minor == 0
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			return errBadReqLine
		}
	}
	p, ok := originPath(target)
	if !ok {
		return errBadReqLine
	}
	r.path = p
	return nil
}

// originPath returns the path of an origin-form or absolute-form target,
// without query or fragment.
func originPath(t []byte) ([]byte, bool) {
	if len(t) > 7 && (bytes.EqualFold(t[:7], []byte("http://")) ||
		bytes.EqualFold(t[:8], []byte("https://"))) {
		t = t[bytes.IndexByte(t, ':')+3:]
		i := bytes.IndexByte(t, '/')
		if i < 0 {
			return []byte("/"), true
		}
		t = t[i:]
	}
	if len(t) == 0 || t[0] != '/' {
		return nil, false
	}
	if i := bytes.IndexAny(t, "?#"); i >= 0 {
		t = t[:i]
	}
	return t, true
}

func methodOf(m []byte) method {
	switch string(m) {
	case "GET":
		return mGET
	case "HEAD":
		return mHEAD
	case "POST":
		return mPOST
	case "PUT":
		return mPUT
	case "DELETE":
		return mDELETE
	}
	return mOther
}
