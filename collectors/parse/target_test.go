package parse

import (
	"testing"

	"github.com/lekwacht/lekwacht/event"
)

func TestRequestTarget(t *testing.T) {
	for _, c := range []struct {
		method, target string
		dest           event.Endpoint
		path           string
	}{
		{"CONNECT", "www.WeTransfer.com:443", event.Endpoint{Domain: "www.wetransfer.com", Port: 443}, ""},
		{"connect", "[2001:db8::5]:443", event.Endpoint{IP: "2001:db8::5", Port: 443}, ""},
		{"CONNECT", "192.0.2.7:8443", event.Endpoint{IP: "192.0.2.7", Port: 8443}, ""},
		{"GET", "http://upload.example.org/files/a.zip?x=1", event.Endpoint{Domain: "upload.example.org", Port: 80}, "/files/a.zip?x=1"},
		{"POST", "HTTPS://user:pw@drive.example.com.:8443", event.Endpoint{Domain: "drive.example.com", Port: 8443}, "/"},
		{"GET", "ftp://[2001:db8::9]/pub?x", event.Endpoint{IP: "2001:db8::9", Port: 21}, "/pub?x"},
		{"GET", "http://host?q", event.Endpoint{Domain: "host", Port: 80}, "/?q"},
		{"GET", "/zaken/1", event.Endpoint{}, "/zaken/1"},
		{"GET", "/redirect?to=http://x", event.Endpoint{}, "/redirect?to=http://x"},
		{"OPTIONS", "*", event.Endpoint{}, "*"},
		{"GET", "http:///nohost", event.Endpoint{}, "/nohost"},
	} {
		dest, path := RequestTarget(c.method, c.target)
		if dest != c.dest || path != c.path {
			t.Errorf("%s %s: %+v %q, want %+v %q", c.method, c.target, dest, path, c.dest, c.path)
		}
	}
}
