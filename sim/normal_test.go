package sim_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/sim"
)

// winEvent is what the tests read of a Windows Security event.
type winEvent struct {
	at   time.Time
	id   int
	host string
	data map[string]string
}

func winEvents(t *testing.T, dir string) []winEvent {
	t.Helper()
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	var out []winEvent
	lines(t, filepath.Join(dir, "logs/winlog/security.ndjson"), func(l string) {
		var rec struct {
			Timestamp time.Time `json:"@timestamp"`
			Winlog    struct {
				Computer  string            `json:"computer_name"`
				EventID   int               `json:"event_id"`
				EventData map[string]string `json:"event_data"`
			} `json:"winlog"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		host, _, _ := strings.Cut(rec.Winlog.Computer, ".")
		out = append(out, winEvent{rec.Timestamp.In(ams), rec.Winlog.EventID, host, rec.Winlog.EventData})
	})
	return out
}

// readsEvents says whether this lekwacht reads the Windows event ids.
func readsEvents(ids ...int) bool {
	m := windows.NewMapper(1)
	for _, id := range ids {
		if _, err := m.Event(windows.Record{ID: id, Data: map[string]string{}}); err != nil {
			return false
		}
	}
	return true
}

// TestTheNewNormalIsThere checks that a simulated week and a weekend hold the ordinary work that
// broke the first rules (issue 14): sessions without a logoff and 4647s, hot desks used by many, a
// part-timer's desk used by a colleague, daily USB sticks, evening and weekend work, admins on many
// machines, end dates in the coming weeks; locks and the web proxy when this lekwacht reads them.
func TestTheNewNormalIsThere(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, dir, 300, 8, 3)
	evs := winEvents(t, dir)
	owners := map[string]string{} // workstation -> owner
	var ends []string
	f, err := os.Open(filepath.Join(dir, "directory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	last := truth.Start.AddDate(0, 0, truth.Days).Format(time.DateOnly)
	for _, r := range rows[1:] {
		for _, ws := range strings.Split(r[5], ";") {
			owners[ws] = r[0]
		}
		if r[6] == "active" && r[7] > last {
			ends = append(ends, r[0])
		}
	}

	type key struct{ user, host string }
	ended := map[string]bool{}
	var interactive, logoffs4647 int
	byHost := map[string]map[string]bool{}   // FLEX/VERG host -> accounts
	borrowed := map[key]map[string]bool{}    // someone at another's desktop -> days
	sticks := map[string]map[string]bool{}   // user -> days with a 6416
	removable := map[string]int{}            // user -> 4663 writes to another drive
	evenings := map[string]map[string]bool{} // user -> days with a logon 19:00-22:00
	weekend := map[string]bool{}             // users at work on Saturday or Sunday
	admHosts := map[string]map[string]bool{} // adm_ account|day -> hosts
	meetings := map[string][]time.Time{}     // VERG host -> logons
	var locks, reconnects int
	for _, e := range evs {
		d := e.data
		day := e.at.Format(time.DateOnly)
		switch e.id {
		case 4634:
			ended[d["TargetLogonId"]] = true
		case 4647:
			ended[d["TargetLogonId"]] = true
			logoffs4647++
		case 4800, 4801:
			locks++
		case 4778, 4779:
			reconnects++
		case 6416:
			if d["ClassName"] == "DiskDrive" {
				u := d["SubjectUserName"]
				if sticks[u] == nil {
					sticks[u] = map[string]bool{}
				}
				sticks[u][day] = true
			}
		case 4663:
			if p := d["ObjectName"]; len(p) > 2 && p[1] == ':' && !strings.HasPrefix(p, "C:") && d["AccessMask"] == "0x2" {
				removable[d["SubjectUserName"]]++
			}
		case 4624:
			user, lt := d["TargetUserName"], d["LogonType"]
			if strings.HasPrefix(user, "adm_") {
				k := user + "|" + day
				if admHosts[k] == nil {
					admHosts[k] = map[string]bool{}
				}
				admHosts[k][e.host] = true
				continue
			}
			if lt != "2" && lt != "10" {
				continue
			}
			interactive++
			if strings.HasPrefix(e.host, "FLEX-") || strings.HasPrefix(e.host, "VERG-") {
				if byHost[e.host] == nil {
					byHost[e.host] = map[string]bool{}
				}
				byHost[e.host][user] = true
			}
			if strings.HasPrefix(e.host, "VERG-") {
				meetings[e.host] = append(meetings[e.host], e.at)
			}
			if o, ok := owners[e.host]; ok && o != user && strings.HasPrefix(e.host, "WS-") && lt == "2" {
				k := key{user, e.host}
				if borrowed[k] == nil {
					borrowed[k] = map[string]bool{}
				}
				borrowed[k][day] = true
			}
			if h := e.at.Hour(); h >= 19 && h < 22 {
				if evenings[user] == nil {
					evenings[user] = map[string]bool{}
				}
				evenings[user][day] = true
			}
			if wd := e.at.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend[user] = true
			}
		}
	}
	var open int
	for _, e := range evs {
		if e.id == 4624 && (e.data["LogonType"] == "2" || e.data["LogonType"] == "10") && !ended[e.data["TargetLogonId"]] {
			open++
		}
	}
	count := func(m map[string]map[string]bool, atLeast int) int {
		n := 0
		for _, v := range m {
			if len(v) >= atLeast {
				n++
			}
		}
		return n
	}
	flexShared := 0
	for h, users := range byHost {
		if strings.HasPrefix(h, "FLEX-") && len(users) >= 3 {
			flexShared++
		}
	}
	regular := 0
	for _, days := range borrowed {
		if len(days) >= 2 {
			regular++
		}
	}
	busyAdmins := 0
	for _, hosts := range admHosts {
		if len(hosts) >= 10 {
			busyAdmins++
		}
	}
	crowded := 0
	for _, at := range meetings {
		slices.SortFunc(at, time.Time.Compare)
		for i := 2; i < len(at); i++ {
			if at[i].Sub(at[i-2]) <= 30*time.Minute {
				crowded++
			}
		}
	}
	t.Logf("%d interactive and remote sessions, %d without a logoff, %d ended by 4647; %d hot desks used by 3 or more; %d desks used by a colleague on 2 or more days; "+
		"%d stick users on 3 or more days, %d writes to removable drives; %d evening workers on 2 or more evenings; %d at work at the weekend; "+
		"%d admin days on 10 or more hosts; %d times 3 accounts on a meeting-room PC within 30 minutes; %d end dates ahead; %d locks, %d reconnects",
		interactive, open, logoffs4647, flexShared, regular, count(sticks, 3), sum(removable), count(evenings, 2), len(weekend), busyAdmins, crowded, len(ends), locks, reconnects)
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"sessions without a logoff (a tenth or more)", open*10 >= interactive},
		{"logoffs by 4647", logoffs4647 > 0},
		{"hot desks used by three or more people", flexShared >= 3},
		{"a colleague's desktop used on two or more days", regular >= 1},
		{"staff using a USB stick on three or more days", count(sticks, 3) >= 3},
		{"copies to removable drives", sum(removable) >= 100},
		{"evening workers on two or more evenings", count(evenings, 2) >= 3},
		{"staff at work at the weekend", len(weekend) >= 3},
		{"admins on ten or more hosts a day", busyAdmins >= 5},
		{"end dates in the coming weeks", len(ends) >= 1},
		{"locks and unlocks (4800/4801), this lekwacht reading them", locks > 0 || !readsEvents(4800, 4801)},
		{"remote desktop reconnects (4778/4779), this lekwacht reading them", reconnects > 0 || !readsEvents(4778, 4779)},
	} {
		if !c.ok {
			t.Errorf("no %s", c.what)
		}
	}
	if _, ok := collectors.Lookup("squid"); ok {
		proxyLog(t, dir)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// proxyLog checks the Squid log: browsing with CONNECT tunnels and plain requests, users named.
func proxyLog(t *testing.T, dir string) {
	t.Helper()
	var connect, get, users int
	lines(t, filepath.Join(dir, "logs/proxy/access.log"), func(l string) {
		f := strings.Fields(l)
		if len(f) < 10 {
			t.Fatalf("a proxy line of %d fields: %s", len(f), l)
		}
		switch f[5] {
		case "CONNECT":
			connect++
		case "GET":
			get++
		}
		if f[7] != "-" {
			users++
		}
	})
	if connect == 0 || get == 0 || users == 0 {
		t.Errorf("proxy log: %d CONNECT, %d GET, %d with a user", connect, get, users)
	}
}

// TestStoriesAreTold checks that the three insider stories are in truth.json with their cast, hosts
// and span, and left their traces: the leaver's first USB stick after their first day of it and an
// end date; the job searcher's end date and USB stick; the manager's account at the manager's desk.
func TestStoriesAreTold(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, dir, 300, 8, 4)
	evs := winEvents(t, dir)
	b, err := os.ReadFile(filepath.Join(dir, "directory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	endDate := func(user string) string {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Split(l, ","); f[0] == user {
				return f[7]
			}
		}
		return ""
	}
	told := map[string]sim.Case{}
	for _, c := range truth.Cases {
		if c.Story == "" {
			continue
		}
		told[c.Story] = c
		if c.Detector != map[bool]string{true: "shared_credentials", false: "risk"}[c.Story == sim.StoryColleaguePassword] || len(c.Users) == 0 || len(c.Hosts) == 0 || !c.Start.Before(c.End) || c.Note == "" {
			t.Errorf("story case %+v is incomplete", c)
		}
		if c.Start.Before(truth.Start) || c.End.After(truth.Start.AddDate(0, 0, truth.Days+1)) { // an evening may run past midnight
			t.Errorf("story %s outside the span: %s - %s", c.Story, c.Start, c.End)
		}
	}
	if len(told) != len(sim.Stories) {
		t.Fatalf("stories %v, want %v", told, sim.Stories)
	}
	l := told[sim.StoryLeaver]
	var before, after int
	for _, e := range evs {
		if e.id == 6416 && e.data["SubjectUserName"] == l.Users[0] {
			if e.at.Before(l.Start) {
				before++
			} else {
				after++
			}
		}
	}
	if before != 0 || after == 0 || endDate(l.Users[0]) == "" {
		t.Errorf("leaver %s: %d sticks before the story, %d in it, end date %q", l.Users[0], before, after, endDate(l.Users[0]))
	}
	j := told[sim.StoryJobSearch]
	if endDate(j.Users[0]) <= truth.Start.AddDate(0, 0, truth.Days).Format(time.DateOnly) {
		t.Errorf("job searcher %s: end date %q, want one after the span", j.Users[0], endDate(j.Users[0]))
	}
	a := told[sim.StoryAdmin]
	manager, desk := a.Users[1], a.Hosts[0]
	found := false
	for _, e := range evs {
		if e.id == 4624 && e.host == desk && e.data["TargetUserName"] == manager && !e.at.Before(a.Start) && !e.at.After(a.End) {
			found = true
		}
	}
	if !found {
		t.Errorf("admin story: no logon of %s at %s between %s and %s", manager, desk, a.Start, a.End)
	}
}

// TestAwayMeansQuiet checks that no one's account is active on a day they are away: a part-timer's
// day off, or after the leaver's end date.
func TestAwayMeansQuiet(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, dir, 200, 12, 5)
	var leaver string
	for _, c := range truth.Cases {
		if c.Story == sim.StoryLeaver {
			leaver = c.Users[0]
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "directory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var end time.Time
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Split(l, ","); f[0] == leaver {
			end, _ = time.ParseInLocation(time.DateOnly, f[7], truth.Start.Location())
		}
	}
	if end.IsZero() {
		t.Fatalf("the leaver %q has no end date", leaver)
	}
	for _, e := range winEvents(t, dir) {
		user := e.data["TargetUserName"] + e.data["SubjectUserName"] + e.data["AccountName"]
		if user == leaver && !e.at.Before(end) {
			t.Errorf("%s: event %d of %s on %s, after their end date %s", e.at, e.id, leaver, e.host, end.Format(time.DateOnly))
		}
	}
}
