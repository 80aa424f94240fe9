package sim_test

import (
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/sim"
)

// The network side: every workstation used asks for its own ticket from its address before anyone
// logs on there, every interactive logon is preceded by the person's ticket from that address, and
// the planted colleague's password shows as the colleague's network logon on FS01 naming the
// insider's own PC, with the domain controller's check of it from there.
func TestNetworkSide(t *testing.T) {
	if !readsEvents(4768, 4769, 4771, 4776) {
		t.Skip("this lekwacht reads no domain controller events")
	}
	dir := t.TempDir()
	truth := simulate(t, dir, 300, 8, 4)
	evs := winEvents(t, dir)
	machine := map[string]string{} // address -> workstation, from the machine accounts' tickets
	userTGT := map[string]bool{}   // account + address
	var interactive, preceded, networkLogons, dc int
	for _, e := range evs {
		switch e.id {
		case 4768:
			dc++
			ip := strings.TrimPrefix(e.data["IpAddress"], "::ffff:")
			if name, ok := strings.CutSuffix(e.data["TargetUserName"], "$"); ok {
				machine[ip] = strings.ToLower(name)
			} else {
				userTGT[strings.ToLower(e.data["TargetUserName"])+"|"+machine[ip]] = true
			}
		case 4769, 4776, 4771:
			dc++
		case 4624:
			switch e.data["LogonType"] {
			case "2":
				interactive++
				if userTGT[e.data["TargetUserName"]+"|"+strings.ToLower(e.host)] {
					preceded++
				}
			case "3":
				networkLogons++
			}
		}
	}
	if interactive == 0 || preceded < interactive*9/10 {
		t.Errorf("%d of %d interactive logons preceded by the account's ticket from the PC's address", preceded, interactive)
	}
	if dc < 5*interactive || networkLogons < 2*interactive {
		t.Errorf("%d domain controller events and %d network logons for %d interactive logons", dc, networkLogons, interactive)
	}
	var story *sim.Case
	for i, c := range truth.Cases {
		if c.Story == sim.StoryColleaguePassword {
			story = &truth.Cases[i]
		}
	}
	if story == nil || len(story.Users) != 2 || story.Detector != "shared_credentials" {
		t.Fatalf("story %+v", story)
	}
	victim, pc := story.Users[0], story.Hosts[0]
	var logon, check bool
	for _, e := range evs {
		if e.at.Before(story.Start) || e.at.After(story.End) || e.data["TargetUserName"] != victim {
			continue
		}
		logon = logon || e.id == 4624 && e.host == "FS01" && e.data["LogonType"] == "3" && e.data["WorkstationName"] == pc
		check = check || e.id == 4776 && e.data["Workstation"] == pc || e.id == 4768 && machine[strings.TrimPrefix(e.data["IpAddress"], "::ffff:")] == strings.ToLower(pc)
	}
	if !logon || !check {
		t.Errorf("%s's password from %s: network logon %v, domain controller's check %v", victim, pc, logon, check)
	}
}
