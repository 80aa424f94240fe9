package sim

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"time"
)

// The web proxy: Squid's access.log in the native format with the request size appended, as
// collectors/squid recommends (logformat lekwacht %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un
// %Sh/%<a %mt %>st), users authenticated by NTLM (DOMAIN\user) or Kerberos (user@REALM).

var (
	newsSites     = []string{"nos.nl", "www.nu.nl", "www.ad.nl", "www.volkskrant.nl", "www.nrc.nl", "www.rtlnieuws.nl", "www.binnenlandsbestuur.nl", "www.buienradar.nl"}
	govSites      = []string{"www.rijksoverheid.nl", "wetten.overheid.nl", "zoek.officielebekendmakingen.nl", "www.kvk.nl", "www.belastingdienst.nl", "www.vng.nl", "www.rvig.nl", "www.overheid.nl", "www.digid.nl", "www.cbs.nl"}
	supplierSites = []string{"portal.centric.eu", "www.pinkroccade.nl", "support.xxllnc.nl", "www.bouwbedrijf-jansen.nl", "www.architecten-devries.nl"}
	workSites     = []string{"login.microsoftonline.com", "teams.microsoft.com", "outlook.office365.com", "www.google.com", "maps.google.com", "www.bing.com", "nl.wikipedia.org"}
	webmailSites  = []string{"outlook.live.com", "mail.google.com", "webmail.ziggo.nl", "webmail.kpnmail.nl"}
	// jobSites and sharingSites are where the stories go; staff visit them now and then too.
	jobSites     = []string{"www.werkenvoornederland.nl", "www.indeed.nl", "www.nationalevacaturebank.nl", "www.werkzoeken.nl", "www.intermediair.nl", "www.overheidsbaan.nl"}
	sharingSites = []string{"wetransfer.com", "www.dropbox.com", "mega.nz", "drive.google.com", "www.swisstransfer.com"}
)

// request is one line of the proxy log.
type request struct {
	at             time.Time
	ip, user       string
	method, target string // CONNECT host:443, or GET/POST and a URL
	status         int
	received, sent int // %<st (to the client) and %>st (from the client)
	elapsed        time.Duration
	result, ctype  string
}

// squid writes one access.log line.
func (s *Sim) squid(r request) {
	if s.web == nil {
		return
	}
	host := r.target
	if u, err := url.Parse(r.target); err == nil && u.Host != "" {
		host = u.Hostname()
	} else if h, _, ok := strings.Cut(r.target, ":"); ok {
		host = h
	}
	hier := "HIER_DIRECT/" + origin(host)
	if r.status >= 400 && r.status < 500 {
		hier = "HIER_NONE/-"
	}
	ctype := r.ctype
	if ctype == "" {
		ctype = "-"
	}
	s.web.add(r.at, fmt.Sprintf("%d.%03d %6d %s %s/%03d %d %s %s %s %s %s %d", r.at.Unix(), r.at.Nanosecond()/1e6, r.elapsed.Milliseconds(),
		r.ip, r.result, r.status, r.received, r.method, r.target, r.user, hier, ctype, r.sent))
}

// origin is a stable documentation address for a host.
func origin(host string) string {
	h := fnv.New32a()
	h.Write([]byte(host))
	n := h.Sum32()
	return fmt.Sprintf("%s.%d", []string{"192.0.2", "198.51.100", "203.0.113"}[n%3], 1+n/3%250)
}

// proxyUser is the user as the proxy's authentication names p: DOMAIN\user (NTLM, %-encoded by
// Squid) or user@REALM (Kerberos).
func (s *Sim) proxyUser(p *person) string {
	if s.w.ids.Float64() < 0.5 {
		return ADDomain + "%5C" + p.User
	}
	return p.User + "@VOORBEELD.LOCAL"
}

// visit writes a person's requests to one site: a CONNECT tunnel (HTTPS), or plain GETs.
func (s *Sim) visit(p *person, ip string, t time.Time, site string, received, sent int) {
	w := s.w
	user := s.proxyUser(p)
	if w.rnd.Float64() < 0.85 {
		s.squid(request{at: t, ip: ip, user: user, method: "CONNECT", target: site + ":443", status: 200, result: "TCP_TUNNEL",
			received: received, sent: sent, elapsed: time.Duration(500+w.rnd.IntN(240_000)) * time.Millisecond})
		return
	}
	for i := range 1 + w.rnd.IntN(4) {
		result := "TCP_MISS"
		if i > 0 && w.rnd.Float64() < 0.3 {
			result = "TCP_REFRESH_UNMODIFIED"
		}
		s.squid(request{at: t.Add(time.Duration(i*(200+w.rnd.IntN(3000))) * time.Millisecond), ip: ip, user: user, method: "GET",
			target: fmt.Sprintf("http://%s/%s", site, pick(w.rnd, []string{"", "nieuws/", "index.html", "zoeken?q=wmo", "artikel/" + fmt.Sprint(w.rnd.IntN(99999))})),
			status: 200, result: result, received: received / 4, sent: 300 + w.rnd.IntN(900), elapsed: time.Duration(20+w.rnd.IntN(900)) * time.Millisecond,
			ctype: "text/html"})
	}
}

// browse is a day's ordinary browsing through the proxy: news, government sites, suppliers, the
// office's own cloud, webmail for some, now and then a job site, a file shared with them or a
// large file they share.
func (s *Sim) browse(day time.Time, a *attendance) {
	if s.web == nil {
		return
	}
	w := s.w
	p := a.p
	ip := p.seat.ip
	webmail := p.Private != "" && len(p.User)%4 == 0
	for range 10 + w.rnd.IntN(60) {
		t := w.between(a.start, a.end)
		var site string
		switch r := w.rnd.Float64(); {
		case r < 0.3:
			site = pick(w.rnd, workSites)
		case r < 0.55:
			site = pick(w.rnd, govSites)
		case r < 0.75:
			site = pick(w.rnd, newsSites)
		case r < 0.85:
			site = pick(w.rnd, supplierSites)
		case r < 0.93 && webmail:
			site = pick(w.rnd, webmailSites)
		default:
			site = pick(w.rnd, workSites)
		}
		s.visit(p, ip, t, site, 2_000+w.rnd.IntN(1_500_000), 600+w.rnd.IntN(40_000))
	}
	// Drawings, photos and minutes sent to a printer, an architect or a partner through a file-sharing
	// site: now and then anyone, more often in Bestuursondersteuning and VTH.
	share := 0.003
	if p.Dept.Share == "bestuur" || p.Dept.Share == "vth" {
		share = 0.03
	}
	if w.rnd.Float64() < share {
		s.upload(p, ip, w.between(a.start, a.end), pick(w.rnd, sharingSites[:2]), 5_000_000+w.rnd.IntN(300_000_000))
	}
	switch r := w.rnd.Float64(); {
	case r < 0.01: // a job site, out of curiosity
		s.visit(p, ip, w.between(a.start, a.end), pick(w.rnd, jobSites), 20_000+w.rnd.IntN(600_000), 1_000+w.rnd.IntN(8_000))
	case r < 0.02: // a file a supplier or partner shared: a download
		s.visit(p, ip, w.between(a.start, a.end), pick(w.rnd, sharingSites), 2_000_000+w.rnd.IntN(80_000_000), 2_000+w.rnd.IntN(30_000))
	case r < 0.025: // a blocked site
		s.squid(request{at: w.between(a.start, a.end), ip: ip, user: s.proxyUser(p), method: "CONNECT", target: "www.online-casino.example:443",
			status: 403, result: "TCP_DENIED", received: 3_894, sent: 250, ctype: "text/html"})
	}
}

// upload is a large upload to a file-sharing site: the tunnel carries far more from the client than
// to it.
func (s *Sim) upload(p *person, ip string, t time.Time, site string, bytes int) time.Time {
	w := s.w
	s.visit(p, ip, t, site, 50_000+w.rnd.IntN(400_000), 2_000+w.rnd.IntN(20_000))
	took := time.Duration(bytes/2_000_000+30) * time.Second
	s.squid(request{at: t.Add(time.Minute + took), ip: ip, user: s.proxyUser(p), method: "CONNECT", target: site + ":443", status: 200,
		result: "TCP_TUNNEL", received: 40_000 + w.rnd.IntN(200_000), sent: bytes, elapsed: took})
	return t.Add(time.Minute + took)
}
