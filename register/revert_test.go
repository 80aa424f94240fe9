package register

import (
	"context"
	"errors"
	"github.com/lekwacht/lekwacht/assessment"
	"strings"
	"testing"
)

func TestRevertTriage(t *testing.T) {
	ctx := context.Background()
	for _, to := range Revertible {
		t.Run(string(to), func(t *testing.T) {
			r, _ := openTest(t)
			id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
			if _, err := r.Move(ctx, id, to, "sec.jansen", "eerste besluit"); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Revert(ctx, id, "beheer", ""); !errors.Is(err, ErrInvalid) {
				t.Fatalf("revert without a reason: %v, want ErrInvalid", err)
			}
			in, err := r.Revert(ctx, id, "beheer", "verkeerd incident gekozen")
			if err != nil {
				t.Fatal(err)
			}
			if in.Status != StatusDraft {
				t.Fatalf("status %s after revert, want draft", in.Status)
			}
			full, err := r.Summary(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			h := full.History
			if len(h) != 3 || h[1].To != to || h[1].Reason != "eerste besluit" ||
				h[2].From != to || h[2].To != StatusDraft || h[2].By != "beheer" || h[2].Reason != RevertPrefix+"verkeerd incident gekozen" {
				t.Fatalf("history %+v: want the triage and its revert", h)
			}
			if _, err := r.Move(ctx, id, StatusOpen, "sec.jansen", "opnieuw besloten"); err != nil {
				t.Fatalf("triage again after revert: %v", err)
			}
			mustVerify(t, r)
		})
	}
}

func TestRevertRefusesDraftAndAssessed(t *testing.T) {
	ctx := context.Background()
	r, _ := openTest(t)
	id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
	if _, err := r.Revert(ctx, id, "beheer", "x"); !errors.Is(err, ErrTransition) || !strings.Contains(err.Error(), "draft") {
		t.Fatalf("revert of a draft: %v", err)
	}
	if _, err := r.Move(ctx, id, StatusOpen, "sec.jansen", "echt"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Assess(ctx, id, "fg", Answers{Flow: map[assessment.QuestionID]bool{"security_incident": false}}); err != nil {
		t.Fatal(err)
	}
	if in, _ := r.Get(ctx, id); in.Status != StatusAssessed {
		t.Fatalf("status %s, want assessed", in.Status)
	}
	if _, err := r.Revert(ctx, id, "beheer", "x"); !errors.Is(err, ErrTransition) {
		t.Fatalf("revert of an assessed incident: %v", err)
	}
	if _, err := r.Revert(ctx, "LW-nope", "beheer", "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revert of an unknown incident: %v", err)
	}
}
