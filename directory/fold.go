package directory

import (
	"slices"
	"strings"
)

// fold makes a person whose account is an admin account of another person part of that person:
// an Active Directory export lists adm_jdevries as a user of its own, with its own SID and UPN, and
// the staff list (admin_accounts) or a pattern (adm_{user}, identity.admin_accounts) says whose it
// is. The admin account's identifiers then resolve to the owner, as that admin account. lines are
// the people's lines; the kept people's lines are returned with them.
func fold(people []Person, lines []int, patterns []string) ([]Person, []int) {
	owner := map[string]int{} // account -> index
	for i := range people {
		owner[strings.ToLower(people[i].User)] = i
	}
	adminOf := map[string]int{}
	for i := range people {
		for _, a := range people[i].AdminAccounts {
			adminOf[strings.ToLower(a)] = i
		}
	}
	whose := func(i int) (int, bool) {
		acc := strings.ToLower(people[i].User)
		if o, ok := adminOf[acc]; ok && o != i {
			return o, true
		}
		for _, p := range patterns {
			pre, post, ok := strings.Cut(strings.ToLower(p), "{user}")
			if !ok || pre+post == "" {
				continue
			}
			if rest, ok := strings.CutPrefix(acc, pre); ok {
				if name, ok := strings.CutSuffix(rest, post); ok && name != "" {
					if o, ok := owner[name]; ok && o != i {
						return o, true
					}
				}
			}
		}
		return 0, false
	}
	drop := make([]bool, len(people))
	for i := range people {
		o, ok := whose(i)
		if !ok || drop[o] {
			continue
		}
		adm, own := &people[i], &people[o]
		if !slices.ContainsFunc(own.AdminAccounts, func(a string) bool { return strings.EqualFold(a, adm.User) }) {
			own.AdminAccounts = append(own.AdminAccounts, adm.User)
		}
		taken := map[string]bool{}
		for _, id := range own.Identifiers() {
			k, _ := key(id.Value)
			taken[k] = true
		}
		for _, v := range append([]string{adm.SID, adm.UPN, adm.Email, adm.EmployeeID}, adm.Aliases...) {
			if k, ok := key(v); ok && !taken[k] {
				own.AdminIDs = append(own.AdminIDs, AdminID{Account: adm.User, Value: v})
				taken[k] = true
			}
		}
		drop[i] = true
	}
	if !slices.Contains(drop, true) {
		return people, lines
	}
	var keptP []Person
	var keptL []int
	for i := range people {
		if !drop[i] {
			keptP, keptL = append(keptP, people[i]), append(keptL, lines[i])
		}
	}
	return keptP, keptL
}
