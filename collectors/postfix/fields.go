package postfix

import "bytes"

// nextKV reads one "key=value" pair from the front of b, as Postfix writes them: a value in angle
// brackets runs to the closing '>' (an address may hold ", "); any other value runs to the next
// ',' or ' '. The separators after the value (", " or " ") are skipped. ok is false when b does not
// start with a lowercase key and '=' (the free text after status=, "(queue active)", the end).
func nextKV(b []byte) (key, val, rest []byte, ok bool) {
	i := 0
	for i < len(b) && (b[i] >= 'a' && b[i] <= 'z' || b[i] == '_' || b[i] == '-') {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '=' {
		return nil, nil, b, false
	}
	key, b = b[:i], b[i+1:]
	if len(b) > 0 && b[0] == '<' {
		end := bytes.IndexByte(b, '>')
		if end < 0 {
			return nil, nil, b, false // truncated address
		}
		val, b = b[1:end], b[end+1:]
	} else {
		end := 0
		for end < len(b) && b[end] != ',' && b[end] != ' ' {
			end++
		}
		val, b = b[:end], b[end:]
	}
	if len(b) > 0 && b[0] == ',' {
		b = b[1:]
	}
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return key, val, b, true
}

// client is the peer of an SMTP session as Postfix logs it: "name[ip]" or "name[ip]:port".
type client struct {
	name string // "" when Postfix says "unknown" (no reverse name)
	ip   string
	port int
}

// parseClient reads "name[ip]", "name[ip]:port", "[ip]:port" or a bare name.
func parseClient(b []byte) client {
	name, ip, port := clientParts(b)
	return client{name: string(name), ip: string(ip), port: port}
}

// clientParts reads the parts of a client: name is empty when Postfix says "unknown".
func clientParts(b []byte) (name, ip []byte, port int) {
	open := bytes.IndexByte(b, '[')
	if open < 0 {
		return knownName(b), nil, 0
	}
	name = knownName(b[:open])
	rest := b[open+1:]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return name, rest, 0
	}
	ip = rest[:end]
	rest = rest[end+1:]
	if len(rest) > 1 && rest[0] == ':' {
		port = atoi(rest[1:])
	}
	return name, ip, port
}

func knownName(b []byte) []byte {
	if string(b) == "unknown" {
		return nil
	}
	return b
}

// relayLoopback tells whether a relay= value points at this machine: 127.0.0.1[127.0.0.1]:10024,
// localhost[::1]:10024.
func relayLoopback(relay []byte) bool {
	open := bytes.IndexByte(relay, '[')
	if open < 0 {
		return false
	}
	ip := relay[open+1:]
	if end := bytes.IndexByte(ip, ']'); end >= 0 {
		ip = ip[:end]
	}
	return bytes.HasPrefix(ip, []byte("127.")) || string(ip) == "::1" || string(ip) == "::ffff:127.0.0.1"
}

// atoi reads the leading decimal digits of b; 0 when there are none. It stops at 18 digits, so
// it never overflows.
func atoi(b []byte) int {
	n := 0
	for i := 0; i < len(b) && i < 18 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n
}

// queueID reads a queue id at the front of b, followed by ": ". Classic ids are uppercase hex
// (721BE256EA), long ids mixed-case alphanumerics (4PbC4x469Jz3tBr). Words Postfix puts in the
// same place ("warning", "statistics") are all lowercase and are not ids.
func queueID(b []byte) (id, rest []byte, ok bool) {
	i := 0
	lower := 0
	for i < len(b) && i < 32 {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower++
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
		default:
			goto end
		}
		i++
	}
end:
	if i < 5 || i == lower || i+1 >= len(b) || b[i] != ':' || b[i+1] != ' ' {
		return nil, b, false
	}
	return b[:i], b[i+2:], true
}

// leadingID returns the queue id at the front of b, or nil.
func leadingID(b []byte) []byte {
	n := 0
	for n < len(b) && n < 32 && isIDByte(b[n]) {
		n++
	}
	if n < 5 {
		return nil
	}
	return b[:n]
}

func isIDByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// rejectReason is the human part of a reject reply, without a leading "<address>: " and without
// what follows the first ';' (RBL URLs, the from=/to= tail), before trimming its spaces:
// "Relay access denied", "Helo command rejected: Host not found".
func rejectReason(b []byte) []byte {
	b = bytes.TrimLeft(b, " ")
	if len(b) > 0 && b[0] == '<' {
		if end := bytes.Index(b, []byte(">: ")); end >= 0 {
			b = b[end+3:]
		}
	} else if len(b) > 1 && b[0] == ':' && b[1] == ' ' {
		b = b[2:]
	}
	if i := bytes.IndexByte(b, ';'); i >= 0 {
		b = b[:i]
	}
	return b
}

// isDSN tells whether b looks like an enhanced status code: 5.7.1, 4.7.25.
func isDSN(b []byte) bool {
	if len(b) < 5 || (b[0] != '2' && b[0] != '4' && b[0] != '5') || b[1] != '.' {
		return false
	}
	dots := 0
	for _, c := range b[2:] {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots == 1
}

// cut returns what is before and after the first sep.
func cut(b []byte, sep string) (before, after []byte, ok bool) {
	return bytes.Cut(b, []byte(sep))
}
