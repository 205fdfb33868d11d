package control

import "unsafe"

// frameMsg frames a one-message answer. With asJSON the body is
// {"text": msg} for ok and {"error": msg} otherwise, msg without its LF.
func (s *session) frameMsg(out []byte, st Status, asJSON bool, msg string) []byte {
	return s.frameBytes(out, st, asJSON, view(msg))
}

// view is a read-only []byte over s, to append a string without copying it.
func view(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// frameBytes is frameMsg for bytes; msg is only read.
func (s *session) frameBytes(out []byte, st Status, asJSON bool, msg []byte) []byte {
	if !asJSON {
		return appendFrame(out, st, msg)
	}
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	key := `{"error":`
	if st == StatusOK {
		key = `{"text":`
	}
	s.body = appendJSON(append(s.body[:0], key...), msg)
	s.body = append(s.body, "}\n"...)
	return appendFrame(out, st, s.body)
}

// inline answers version and pid: text is the value and its LF; JSON is
// {key value} with the value quoted when it is a string.
func (s *session) inline(out []byte, asJSON bool, key string, text []byte, quote bool) []byte {
	if !asJSON {
		return appendFrame(out, StatusOK, text)
	}
	v := text[:len(text)-1]
	s.body = append(s.body[:0], key...)
	if quote {
		s.body = appendJSON(s.body, v)
	} else {
		s.body = append(s.body, v...)
	}
	s.body = append(s.body, "}\n"...)
	return appendFrame(out, StatusOK, s.body)
}

// help answers "help" and "help <command>".
func (s *session) help(cmd command, out []byte) []byte {
	t := &helpAll
	if len(cmd.args) > 0 {
		if t = findHelp(s.p.lx.text(cmd.args[0])); t == nil {
			s.p.failTok("No help for ", cmd.args[0], "; 'help' lists the commands")
			return s.frameBytes(out, StatusFailed, cmd.json, s.p.err)
		}
	}
	if cmd.json {
		return appendFrame(out, StatusOK, t.json)
	}
	return appendFrame(out, StatusOK, view(t.text))
}
