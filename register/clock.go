package register

import (
	"context"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
)

// Clock is an incident's 72 hours to report to the AP (art. 33 AVG). They run from discovery
// (drafts too: the gemeente knows of the incident), and stop only when the date of the melding bij
// de AP is recorded, when the FG's answers decide that no melding is needed, or when the security
// team dismisses the draft as no incident. The CLI's list, `--overdue` and `--due-within`, the API
// and the FG's page all use it.
type Clock struct {
	Running  bool          `json:"running"`
	Deadline time.Time     `json:"deadline"`
	Left     time.Duration `json:"-"`       // time left until the deadline; negative once passed
	Overdue  bool          `json:"overdue"` // running and past the deadline
	// Stopped says in Dutch why the clock no longer runs: "gemeld bij de AP op 05-12-2026",
	// "geen melding bij de AP nodig (besluit FG)", "afgewezen: geen incident".
	Stopped string `json:"stopped,omitempty"`
}

// apState is what the clock needs of the assessment: filled whenever the register reads an incident.
type apState struct {
	loaded     bool
	reportedOn string             // ap_reported_on
	outcome    assessment.Outcome // the flow on the FG's answers so far
}

// Clock says where the incident stands against the 72 hours at now.
func (in *Incident) Clock(now time.Time) Clock {
	c := Clock{Deadline: in.Deadline}
	st := in.ap
	if a := in.Assessment; a != nil {
		st = apState{loaded: true, reportedOn: strings.TrimSpace(a.Details["ap_reported_on"].Value), outcome: a.Outcome}
	}
	switch {
	case in.Status == StatusDismissed:
		c.Stopped = "afgewezen: geen incident"
	case st.reportedOn != "":
		c.Stopped = "gemeld bij de AP op " + dateNL(st.reportedOn)
	case st.outcome.Complete && !st.outcome.NotifyAP:
		c.Stopped = "geen melding bij de AP nodig (besluit FG)"
	}
	if c.Stopped != "" || in.Deadline.IsZero() {
		return c
	}
	c.Running = true
	c.Left = in.Deadline.Sub(now)
	c.Overdue = c.Left <= 0
	return c
}

// Overdue says whether the 72 hours have run out at t while the clock still runs.
func (in *Incident) Overdue(t time.Time) bool { return in.Clock(t).Overdue }

// dateNL turns a stored YYYY-MM-DD into dd-mm-jjjj; other text stays as it is.
func dateNL(s string) string {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Format("02-01-2006")
	}
	return s
}

// attach reads what the incidents' clocks and documents need from the answers table: the FG's
// corrections and the state of the melding bij de AP. One query per 500 incidents.
func (r *Register) attach(ctx context.Context, q querier, list []*Incident) error {
	for start := 0; start < len(list); start += 500 {
		part := list[start:min(start+500, len(list))]
		byID := make(map[string]*Incident, len(part))
		args := make([]any, len(part))
		for i, in := range part {
			byID[in.ID], args[i] = in, in.ID
		}
		rows, err := q.QueryContext(ctx, `SELECT incident_id, question, value, by, at FROM answers WHERE incident_id IN (`+
			placeholders(len(part))+`) ORDER BY id`, args...)
		if err != nil {
			return err
		}
		flows := map[string]map[assessment.QuestionID]bool{}
		for rows.Next() {
			var id, k, v, by string
			var at int64
			if err := rows.Scan(&id, &k, &v, &by, &at); err != nil {
				rows.Close()
				return err
			}
			in := byID[id]
			switch {
			case in == nil:
			case strings.HasPrefix(k, correctionPrefix):
				if in.Corrected == nil {
					in.Corrected = &Correction{}
				}
				in.Corrected.set(k, v, r.loc)
				in.Corrected.By, in.Corrected.At = by, r.fromNanos(at)
			case k == "ap_reported_on":
				in.ap.reportedOn = strings.TrimSpace(v)
			default:
				if _, ok := assessment.Lookup(assessment.QuestionID(k)); ok {
					if flows[id] == nil {
						flows[id] = map[assessment.QuestionID]bool{}
					}
					flows[id][assessment.QuestionID(k)] = v == "yes"
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, in := range part {
			in.ap.loaded = true
			in.ap.outcome = assessment.Evaluate(flows[in.ID])
		}
	}
	return nil
}
