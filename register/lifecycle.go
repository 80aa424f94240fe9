package register

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
)

// ErrTransition is returned for a lifecycle step that is not allowed.
var ErrTransition = errors.New("transition not allowed")

// ErrInvalid is returned for a request that lacks what it must have (who, why, answers).
var ErrInvalid = errors.New("invalid request")

// Details are the free-text answers the AP form, the register and the letter to betrokkenen ask
// for besides the flow's questions. DetailFields gives each a Dutch label and the kind of input.
var Details = []string{
	"consequences",         // gevolgen voor de betrokkenen
	"measures_taken",       // genomen maatregelen
	"measures_planned",     // voorgenomen maatregelen
	"subjects_informed_on", // datum (voorgenomen) informeren betrokkenen, YYYY-MM-DD
	"late_reason",          // reden van een melding na 72 uur
	"motivation",           // de motivering van het advies van de FG
	"ap_reported_on",       // datum melding AP, YYYY-MM-DD
	"ap_reference",         // meldnummer van de AP
	"description",          // omschrijving van het datalek voor de AP
	"breach_kind",          // aard: lezen, kopiëren, veranderen, verwijderen, diefstal
	"ongoing",              // is het datalek nog gaande: ja of nee
	"encryption_how",       // hoe de gegevens beveiligd of versleuteld waren
	"public_notice",        // de openbare mededeling: waar en wanneer
	"cross_border",         // grensoverschrijdend: nee, of welke landen
	"other",                // overige informatie voor de AP
	"letter_what_happened", // brief: wat is er gebeurd
	"letter_what_it_means", // brief: wat betekent dit voor u
	"letter_what_we_did",   // brief: wat hebben wij gedaan
	"letter_what_you_can_do",
	"letter_contact", // brief: contact
}

// DetailField is one of Details as a form shows it.
type DetailField struct {
	Key   string
	Label string // Dutch
	Kind  string // textarea, date, text or yesno
	Group string // "melding" (the AP form and the register) or "brief" (the letter to betrokkenen)
}

// DetailFields describes every detail, in the order of Details.
var DetailFields = []DetailField{
	{"consequences", "Gevolgen voor de betrokkenen", "textarea", "melding"},
	{"measures_taken", "Genomen maatregelen", "textarea", "melding"},
	{"measures_planned", "Voorgenomen maatregelen", "textarea", "melding"},
	{"subjects_informed_on", "Datum (voorgenomen) informeren betrokkenen", "date", "melding"},
	{"late_reason", "Reden van een melding na 72 uur", "textarea", "melding"},
	{"motivation", "Motivering van het advies", "textarea", "melding"},
	{"ap_reported_on", "Datum melding bij de AP", "date", "melding"},
	{"ap_reference", "Meldnummer van de AP", "text", "melding"},
	{"description", "Omschrijving van het datalek (voor de AP)", "textarea", "melding"},
	{"breach_kind", "Aard van het datalek (lezen, kopiëren, veranderen, verwijderen, diefstal)", "text", "melding"},
	{"ongoing", "Is het datalek nog gaande?", "yesno", "melding"},
	{"encryption_how", "Hoe waren de gegevens beveiligd of versleuteld?", "textarea", "melding"},
	{"public_notice", "Openbare mededeling: waar en wanneer", "textarea", "melding"},
	{"cross_border", "Grensoverschrijdend: betrokkenen in andere landen?", "text", "melding"},
	{"other", "Overige informatie voor de AP", "textarea", "melding"},
	{"letter_what_happened", "Brief: wat is er gebeurd?", "textarea", "brief"},
	{"letter_what_it_means", "Brief: wat betekent dit voor u?", "textarea", "brief"},
	{"letter_what_we_did", "Brief: wat hebben wij gedaan?", "textarea", "brief"},
	{"letter_what_you_can_do", "Brief: wat kunt u zelf doen?", "textarea", "brief"},
	{"letter_contact", "Brief: contact", "textarea", "brief"},
}

// DetailLabel is the Dutch label of a detail (the key itself when unknown).
func DetailLabel(key string) string {
	for _, f := range DetailFields {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// recordChange writes one history record and chains it.
func (r *Register) recordChange(ctx context.Context, tx *sql.Tx, c *chain, in *Incident, by string, from, to Status, reason string, at time.Time) error {
	row, err := tx.ExecContext(ctx, `INSERT INTO history (incident_id, at, by, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, ?)`,
		in.ID, nanos(at), by, from, to, reason)
	if err != nil {
		return fmt.Errorf("record change of %s: %w", in.ID, err)
	}
	ref, _ := row.LastInsertId()
	var created *creation
	if from == "" {
		created = &creation{in.Detector, in.Rule, in.User, in.Pattern, nanos(in.DiscoveredAt), nanos(in.Deadline)}
	}
	return c.append(ctx, kindHistory, ref, historyCanon(in.ID, nanos(at), by, string(from), string(to), reason, created))
}

// transition moves an incident to a new status inside a write transaction.
func (r *Register) transition(ctx context.Context, tx *sql.Tx, c *chain, in *Incident, to Status, by, reason string) error {
	if !slices.Contains(transitions[in.Status], to) {
		next := transitions[in.Status]
		if len(next) == 0 {
			return fmt.Errorf("%w: %s is %s, which is final", ErrTransition, in.ID, in.Status)
		}
		return fmt.Errorf("%w: %s is %s; from %s it can go to %v, not %s", ErrTransition, in.ID, in.Status, in.Status, next, to)
	}
	at := r.now()
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, updated_at = ? WHERE id = ?`, to, nanos(at), in.ID); err != nil {
		return fmt.Errorf("update %s: %w", in.ID, err)
	}
	if err := r.recordChange(ctx, tx, c, in, by, in.Status, to, reason, at); err != nil {
		return err
	}
	in.Status = to
	return nil
}

func needWhoWhy(by, reason string) error {
	var errs []error
	if strings.TrimSpace(by) == "" {
		errs = append(errs, fmt.Errorf("%w: who decides is required (--by NAME)", ErrInvalid))
	}
	if strings.TrimSpace(reason) == "" {
		errs = append(errs, fmt.Errorf("%w: a reason is required (--reason TEXT)", ErrInvalid))
	}
	return errors.Join(errs...)
}

// Move takes an incident to another status: the security team's triage (open or dismissed) and the
// close after follow-up. Who and why are required.
func (r *Register) Move(ctx context.Context, id string, to Status, by, reason string) (*Incident, error) {
	if err := needWhoWhy(by, reason); err != nil {
		return nil, err
	}
	if to == StatusAssessed {
		return nil, fmt.Errorf("%w: an incident becomes assessed through the assessment (incidents assess)", ErrTransition)
	}
	var in *Incident
	err := r.write(ctx, func(tx *sql.Tx, c *chain) error {
		var err error
		if in, err = r.get(ctx, tx, id); err != nil {
			return err
		}
		if err := r.transition(ctx, tx, c, in, to, by, reason); err != nil {
			return err
		}
		return r.enqueue(ctx, tx, in, false, nanos(r.now()))
	})
	return in, err
}

// Answers are what the FG says: yes/no answers to the flow's questions and free-text details.
type Answers struct {
	Flow    map[assessment.QuestionID]bool
	Details map[string]string
}

// ParseAnswer reads one `Q=yes|no` (or `detail=text`) argument into a.
func (a *Answers) ParseAnswer(arg string) error {
	k, v, ok := strings.Cut(arg, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("answer %q: want QUESTION=yes|no", arg)
	}
	if _, isQ := assessment.Lookup(assessment.QuestionID(k)); isQ {
		b, err := yesNo(v)
		if err != nil {
			return fmt.Errorf("answer %q: %w", arg, err)
		}
		if a.Flow == nil {
			a.Flow = map[assessment.QuestionID]bool{}
		}
		a.Flow[assessment.QuestionID(k)] = b
		return nil
	}
	if slices.Contains(Details, k) {
		if a.Details == nil {
			a.Details = map[string]string{}
		}
		a.Details[k] = v
		return nil
	}
	return fmt.Errorf("answer %q: unknown question %q; questions are %v, details %v", arg, k, assessment.IDs(), Details)
}

func yesNo(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "ja", "y", "j", "true":
		return true, nil
	case "no", "nee", "n", "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no", v)
}

// Assess records the FG's answers on an open (or already assessed) incident. When the answers
// complete the flow, an open incident becomes assessed, with the outcome as the reason.
func (r *Register) Assess(ctx context.Context, id, by string, a Answers) (*Incident, error) {
	if strings.TrimSpace(by) == "" {
		return nil, fmt.Errorf("%w: who answers is required (--by NAME)", ErrInvalid)
	}
	if len(a.Flow)+len(a.Details) == 0 {
		return nil, fmt.Errorf("%w: no answers given (--answer QUESTION=yes|no)", ErrInvalid)
	}
	var in *Incident
	err := r.write(ctx, func(tx *sql.Tx, c *chain) error {
		var err error
		if in, err = r.get(ctx, tx, id); err != nil {
			return err
		}
		if in.Status != StatusOpen && in.Status != StatusAssessed {
			return fmt.Errorf("%w: %s is %s; only an open incident is assessed (triage it with --open first)", ErrTransition, id, in.Status)
		}
		at := r.now()
		for _, q := range assessment.Questions {
			if v, ok := a.Flow[q.ID]; ok {
				if err := r.recordAnswer(ctx, tx, c, id, string(q.ID), yesNoText(v), by, at); err != nil {
					return err
				}
			}
		}
		for _, k := range Details {
			if v, ok := a.Details[k]; ok {
				if err := r.recordAnswer(ctx, tx, c, id, k, v, by, at); err != nil {
					return err
				}
			}
		}
		answers, err := r.flowAnswers(ctx, tx, id)
		if err != nil {
			return err
		}
		if o := assessment.Evaluate(answers); o.Complete && in.Status == StatusOpen {
			if err := r.transition(ctx, tx, c, in, StatusAssessed, by, "beoordeling compleet: "+o.Summary()); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET updated_at = ? WHERE id = ?`, nanos(at), id); err != nil {
			return err
		}
		return r.enqueue(ctx, tx, in, false, nanos(at))
	})
	return in, err
}

func yesNoText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (r *Register) recordAnswer(ctx context.Context, tx *sql.Tx, c *chain, id, question, value, by string, at time.Time) error {
	row, err := tx.ExecContext(ctx, `INSERT INTO answers (incident_id, question, value, by, at) VALUES (?, ?, ?, ?, ?)`,
		id, question, value, by, nanos(at))
	if err != nil {
		return fmt.Errorf("record answer for %s: %w", id, err)
	}
	ref, _ := row.LastInsertId()
	return c.append(ctx, kindAnswer, ref, answerCanon(id, question, value, by, nanos(at)))
}

// flowAnswers are the latest yes/no answers of an incident.
func (r *Register) flowAnswers(ctx context.Context, q querier, id string) (map[assessment.QuestionID]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT question, value FROM answers WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[assessment.QuestionID]bool{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if _, ok := assessment.Lookup(assessment.QuestionID(k)); ok {
			out[assessment.QuestionID(k)] = v == "yes"
		}
	}
	return out, rows.Err()
}
