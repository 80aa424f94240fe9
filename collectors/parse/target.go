package parse

import (
	"net"
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/event"
)

// defaultPorts are the ports a URL scheme implies.
var defaultPorts = map[string]int{"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

// RequestTarget reads where an HTTP request went from its method and request target, as a
// forward proxy sees them: `CONNECT host:443` (a tunnel, HTTPS through the proxy: no path) or an
// absolute URL `http://host[:port]/path?query`. It returns the destination (a domain, or an IP for
// an address literal; the port given or the one the scheme implies) and the path with its query
// (`/` for a URL without one). Any other target (`/path`, `*`) is returned as the path with no
// destination.
func RequestTarget(method, target string) (dest event.Endpoint, path string) {
	if strings.EqualFold(method, "CONNECT") {
		return hostPort(target, 0), ""
	}
	scheme, rest, ok := strings.Cut(target, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/?#") {
		return event.Endpoint{}, target
	}
	authority := rest
	path = "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
		if path[0] != '/' {
			path = "/" + path
		}
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:] // user:password@ never becomes the domain
	}
	return hostPort(authority, defaultPorts[strings.ToLower(scheme)]), path
}

// hostPort splits host[:port] or [v6]:port; a bare IPv6 address is taken whole.
func hostPort(s string, port int) event.Endpoint {
	host := s
	if h, p, err := net.SplitHostPort(s); err == nil {
		host = h
		if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
			port = n
		}
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return event.Endpoint{}
	}
	if IsIP(host) {
		return event.Endpoint{IP: host, Port: port}
	}
	return event.Endpoint{Domain: host, Port: port}
}
